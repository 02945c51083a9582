import { parse } from 'sdp-transform';
import { describe, expect, it } from 'vitest';
import { answerSdp, chooseAudio, SdpNegotiationError } from '../../../server/emulator/sip/sdpAudio.js';

/** baresip 1.0.0's offer, as it sent it to the emulator. */
const BARESIP_OFFER = [
  'v=0',
  'o=- 2256293433 892992010 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 5684 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=ptime:20',
  '',
].join('\r\n');

function offerWith(mLine: string, extra: string[] = []): string {
  return ['v=0', 'o=- 1 1 IN IP4 10.0.0.5', 's=-', 'c=IN IP4 10.0.0.5', 't=0 0', mLine, ...extra, ''].join('\r\n');
}

function refusal(sdp: string): SdpNegotiationError {
  try {
    chooseAudio(sdp);
  } catch (error) {
    if (error instanceof SdpNegotiationError) return error;
    throw error;
  }
  throw new Error('the offer was accepted');
}

describe('chooseAudio', () => {
  it("takes the caller's first G.711 codec, its RTP address and DTMF payload type", () => {
    expect(chooseAudio(BARESIP_OFFER)).toEqual({ codec: 'pcmu', payloadType: 0, address: '127.0.0.1', port: 5684, ptimeMs: 20, telephoneEventPayloadType: 101 });
  });

  it("follows the caller's order of preference: A-law first gets A-law, and static types need no rtpmap", () => {
    expect(chooseAudio(offerWith('m=audio 4000 RTP/AVP 8 0')).codec).toBe('pcma');
    expect(chooseAudio(offerWith('m=audio 4000 RTP/AVP 111 0', ['a=rtpmap:111 opus/48000/2']))).toMatchObject({ codec: 'pcmu', payloadType: 0, ptimeMs: 20 });
  });

  it('refuses with 488 an offer without G.711 or with secure media, and with 400 one that is no audio SDP', () => {
    expect(refusal(offerWith('m=audio 4000 RTP/AVP 111', ['a=rtpmap:111 opus/48000/2']))).toMatchObject({ status: 488, message: expect.stringContaining('no G.711') });
    expect(refusal(offerWith('m=audio 4000 RTP/SAVP 0'))).toMatchObject({ status: 488, message: expect.stringContaining('RTP/SAVP') });
    expect(refusal(offerWith('m=video 4000 RTP/AVP 96'))).toMatchObject({ status: 400, message: 'The SDP offer has no audio section.' });
    expect(refusal('')).toMatchObject({ status: 400 });
  });
});

describe('answerSdp', () => {
  it('answers one sendrecv audio section with the chosen codec and DTMF on our address', () => {
    const answer = parse(answerSdp({ address: '127.0.0.1', port: 40_000, offer: chooseAudio(BARESIP_OFFER), sessionId: 7 }));
    expect(answer.connection?.ip).toBe('127.0.0.1');
    expect(answer.media).toHaveLength(1);
    expect(answer.media[0]).toMatchObject({ type: 'audio', port: 40_000, protocol: 'RTP/AVP', payloads: '0 101', direction: 'sendrecv', ptime: 20 });
    expect(answer.media[0]?.rtp).toEqual([
      { payload: 0, codec: 'PCMU', rate: 8000 },
      { payload: 101, codec: 'telephone-event', rate: 8000 },
    ]);
    // What the caller makes of the answer is what the emulator offered to speak.
    expect(chooseAudio(answerSdp({ address: '127.0.0.1', port: 40_000, offer: chooseAudio(offerWith('m=audio 4000 RTP/AVP 8')), sessionId: 7 }))).toMatchObject({
      codec: 'pcma',
      port: 40_000,
    });
  });
});
