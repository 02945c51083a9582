/** The fields of an RTP packet (RFC 3550) the emulator reads and writes; no CSRCs or extensions are sent. */
export interface RtpPacket {
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Uint8Array;
}

const HEADER_BYTES = 12;

/** Parses one RTP datagram; null when it is not RTP version 2 (or is RTCP, payload types 72–76 with the marker). */
export function parseRtp(datagram: Uint8Array): RtpPacket | null {
  if (datagram.length < HEADER_BYTES) return null;
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  const first = view.getUint8(0);
  if (first >> 6 !== 2) return null;
  const second = view.getUint8(1);
  const payloadType = second & 0x7f;
  // RTCP sent to the RTP port (rtcp-mux) has packet types 200–204, which read as marker + payload type 72–76.
  if (payloadType >= 72 && payloadType <= 76) return null;
  const csrcCount = first & 0x0f;
  let offset = HEADER_BYTES + csrcCount * 4;
  if (first & 0x10) {
    if (datagram.length < offset + 4) return null;
    offset += 4 + view.getUint16(offset + 2) * 4;
  }
  let end = datagram.length;
  if (first & 0x20) end -= view.getUint8(datagram.length - 1);
  if (offset > end) return null;
  return {
    payloadType,
    marker: (second & 0x80) !== 0,
    sequence: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payload: datagram.subarray(offset, end),
  };
}

/** Serializes an RTP packet (version 2, no padding, extension or CSRCs). */
export function buildRtp(packet: RtpPacket): Buffer {
  const out = Buffer.alloc(HEADER_BYTES + packet.payload.length);
  out.writeUInt8(0x80, 0);
  out.writeUInt8((packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f), 1);
  out.writeUInt16BE(packet.sequence & 0xffff, 2);
  out.writeUInt32BE(packet.timestamp >>> 0, 4);
  out.writeUInt32BE(packet.ssrc >>> 0, 8);
  out.set(packet.payload, HEADER_BYTES);
  return out;
}
