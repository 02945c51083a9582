import { describe, expect, it } from 'vitest';
import { decodeMuLaw, encodeMuLaw } from '../../../plugin/shared/pcm16.js';
import { buildRtp, parseRtp } from '../../../server/emulator/sip/rtpPacket.js';

describe('RTP packets', () => {
  it('round-trips header fields and a G.711 payload of 20 ms', () => {
    const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin(i / 4)));
    const packet = { payloadType: 0, sequence: 65_535, timestamp: 4_294_967_200, ssrc: 0xdeadbeef, marker: true, payload: encodeMuLaw(pcm) };
    const wire = buildRtp(packet);
    expect(wire.length).toBe(12 + 160);
    const parsed = parseRtp(wire);
    expect(parsed).toMatchObject({ payloadType: 0, sequence: 65_535, timestamp: 4_294_967_200, ssrc: 0xdeadbeef, marker: true });
    // The voice survives the trip within G.711's quantisation.
    const decoded = decodeMuLaw(parsed?.payload ?? new Uint8Array());
    expect(Math.max(...Array.from(decoded, (v, i) => Math.abs(v - (pcm[i] ?? 0))))).toBeLessThan(300);
  });

  it("skips a caller's CSRCs, header extension and padding to find the payload", () => {
    const wire = Buffer.from([0xb1, 0x08, 0, 1, 0, 0, 0, 160, 0, 0, 0, 9, /* CSRC */ 1, 2, 3, 4, /* ext */ 0xbe, 0xde, 0, 1, 9, 9, 9, 9, /* payload */ 0xd5, 0xd5, /* padding */ 0, 2]);
    const parsed = parseRtp(wire);
    expect(parsed).toMatchObject({ payloadType: 8, sequence: 1, timestamp: 160, ssrc: 9, marker: false });
    expect(Array.from(parsed?.payload ?? [])).toEqual([0xd5, 0xd5]);
  });

  it('ignores what is not RTP: short datagrams, other versions and RTCP sent to the RTP port', () => {
    expect(parseRtp(new Uint8Array(8))).toBeNull();
    expect(parseRtp(Buffer.from([0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]))).toBeNull();
    // An RTCP sender report (packet type 200) reads as marker + payload type 72.
    expect(parseRtp(Buffer.from([0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0]))).toBeNull();
  });
});
