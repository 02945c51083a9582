import { parse, write, type MediaDescription, type SessionDescription } from 'sdp-transform';

/** The G.711 codecs the emulator's phone line speaks. */
export type G711Codec = 'pcmu' | 'pcma';

/** What the emulator takes from a caller's SDP offer: where to send RTP and in which codec. */
export interface AudioOffer {
  codec: G711Codec;
  /** The static payload type of the codec (0 PCMU, 8 PCMA) or the offer's dynamic one. */
  payloadType: number;
  address: string;
  port: number;
  /** Packet duration the caller asked for (`a=ptime`), else 20 ms. */
  ptimeMs: number;
  /** Payload type of `telephone-event` (DTMF, RFC 4733) when offered. */
  telephoneEventPayloadType?: number;
}

/** The offer cannot be answered; `status` is the SIP response to send (488 Not Acceptable Here, 400 Bad Request). */
export class SdpNegotiationError extends Error {
  override readonly name = 'SdpNegotiationError';
  constructor(
    message: string,
    readonly status: 400 | 488,
  ) {
    super(message);
  }
}

const CODEC_NAMES: Record<string, G711Codec> = { PCMU: 'pcmu', PCMA: 'pcma' };
const STATIC_PAYLOADS: Record<number, G711Codec> = { 0: 'pcmu', 8: 'pcma' };

function payloadTypes(media: MediaDescription): number[] {
  return String(media.payloads ?? '')
    .split(/\s+/)
    .filter((p) => p !== '')
    .map(Number);
}

/** The codec of payload type `pt` in `media`: its rtpmap, else the static assignment of RFC 3551. */
function codecOf(media: MediaDescription, pt: number): G711Codec | undefined {
  const mapped = media.rtp.find((r) => r.payload === pt);
  if (mapped) return mapped.rate === 8000 ? CODEC_NAMES[mapped.codec.toUpperCase()] : undefined;
  return STATIC_PAYLOADS[pt];
}

/**
 * Picks the audio the call will use from an SDP offer: the first G.711 payload type of the first audio section, in
 * the caller's order of preference (RFC 3264), and the caller's RTP address.
 * @throws SdpNegotiationError (400) when the body is no SDP with an audio section, (488) when it offers no G.711 or
 *   only secure or inactive audio.
 */
export function chooseAudio(offerSdp: string): AudioOffer {
  let sdp: SessionDescription;
  try {
    sdp = parse(offerSdp);
  } catch (error) {
    throw new SdpNegotiationError(`The SDP offer could not be parsed: ${(error as Error).message}`, 400);
  }
  const media = sdp.media?.find((m) => m.type === 'audio' && m.port !== 0);
  if (!media) throw new SdpNegotiationError('The SDP offer has no audio section.', 400);
  if (!/^RTP\/AVP$/i.test(media.protocol)) {
    throw new SdpNegotiationError(`The emulator speaks plain RTP (RTP/AVP); the offer's audio uses ${media.protocol}.`, 488);
  }
  const types = payloadTypes(media);
  const payloadType = types.find((pt) => codecOf(media, pt) !== undefined);
  const codec = payloadType === undefined ? undefined : codecOf(media, payloadType);
  if (payloadType === undefined || codec === undefined) {
    throw new SdpNegotiationError('The SDP offer has no G.711 codec (PCMU or PCMA at 8000 Hz).', 488);
  }
  const address = media.connection?.ip ?? sdp.connection?.ip;
  if (!address) throw new SdpNegotiationError('The SDP offer has no connection address (c=).', 400);
  const telephoneEvent = media.rtp.find((r) => r.codec.toLowerCase() === 'telephone-event' && r.rate === 8000)?.payload;
  return {
    codec,
    payloadType,
    address,
    port: media.port,
    ptimeMs: typeof media.ptime === 'number' && media.ptime > 0 ? media.ptime : 20,
    ...(telephoneEvent !== undefined ? { telephoneEventPayloadType: telephoneEvent } : {}),
  };
}

/** The SDP answer: one sendrecv audio section on `address:port` with the chosen codec (and DTMF when offered). */
export function answerSdp(options: { address: string; port: number; offer: AudioOffer; sessionId: number }): string {
  const { offer } = options;
  const rtp: MediaDescription['rtp'] = [{ payload: offer.payloadType, codec: offer.codec === 'pcmu' ? 'PCMU' : 'PCMA', rate: 8000 }];
  const fmtp: MediaDescription['fmtp'] = [];
  if (offer.telephoneEventPayloadType !== undefined) {
    rtp.push({ payload: offer.telephoneEventPayloadType, codec: 'telephone-event', rate: 8000 });
    fmtp.push({ payload: offer.telephoneEventPayloadType, config: '0-15' });
  }
  return write({
    version: 0,
    origin: { username: '-', sessionId: options.sessionId, sessionVersion: 1, netType: 'IN', ipVer: 4, address: options.address },
    name: 'npc-voice emulator',
    connection: { version: 4, ip: options.address },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: 'audio',
        port: options.port,
        protocol: 'RTP/AVP',
        payloads: rtp.map((r) => r.payload).join(' '),
        rtp,
        fmtp,
        ptime: offer.ptimeMs,
        direction: 'sendrecv',
      },
    ],
  });
}
