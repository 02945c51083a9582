import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { decodeALaw, decodeMuLaw, encodeALaw, encodeMuLaw, floatToPcm16, pcm16ToFloat } from '../../../plugin/shared/pcm16.js';
import { Resampler } from '../../../plugin/shared/resample.js';
import type { AudioOutput } from '../realtime/AudioOutput.js';
import { SAMPLE_RATE_HZ } from '../speech/types.js';
import { AudioFramePacer } from '../webrtc/AudioFramePacer.js';
import { buildRtp, parseRtp } from './rtpPacket.js';
import { DtmfReceiver } from './telephoneEvent.js';
import type { AudioOffer } from './sdpAudio.js';

/** G.711's sample rate (and RTP clock rate). */
export const G711_RATE_HZ = 8000;

/** Options of {@link RtpAudioStream}. */
export interface RtpAudioStreamOptions {
  /** The codec and caller address the SDP offer/answer settled on. */
  offer: AudioOffer;
  /** Local address to bind the RTP socket to (the SIP endpoint's host). */
  bindAddress: string;
  /** Receives the caller's voice as PCM16 at 24 kHz, in packet-sized chunks. */
  onAudio: (pcm: Int16Array) => void;
  /** The first frame of a response's audio went out / its last did. */
  onStarted: (responseId: string) => void;
  onStopped: (responseId: string) => void;
  /** The caller pressed a key (RFC 4733 telephone-event, when the offer has it): `0`–`9`, `*`, `#`, `A`–`D`. */
  onDtmf?: (key: string) => void;
  log?: (line: string) => void;
}

/**
 * The media leg of a phone call: one UDP socket speaking G.711 RTP both ways. The NPC's 24 kHz voice is played in
 * real time as `ptime` packets (silence between responses, as a phone line does), resampled to 8 kHz and encoded;
 * the caller's packets are decoded and resampled to the 24 kHz PCM the session engine hears.
 */
export class RtpAudioStream {
  private readonly options: RtpAudioStreamOptions;
  private readonly socket = dgram.createSocket('udp4');
  private readonly pacer: AudioFramePacer;
  private readonly down = new Resampler(SAMPLE_RATE_HZ, G711_RATE_HZ);
  private readonly up = new Resampler(G711_RATE_HZ, SAMPLE_RATE_HZ);
  private readonly encode: (pcm: Int16Array) => Uint8Array;
  private readonly decode: (bytes: Uint8Array) => Int16Array;
  private remote: { address: string; port: number };
  private latched = false;
  private readonly ssrc = randomInt(0, 2 ** 32 - 1);
  private sequence = randomInt(0, 0xffff);
  private timestamp = randomInt(0, 2 ** 32 - 1);
  private firstPacket = true;
  private closed = false;
  private readonly dtmf = new DtmfReceiver();
  /** Packets received and sent, for diagnostics and tests. */
  readonly stats = { received: 0, sent: 0 };

  constructor(options: RtpAudioStreamOptions) {
    this.options = options;
    this.remote = { address: options.offer.address, port: options.offer.port };
    this.encode = options.offer.codec === 'pcmu' ? encodeMuLaw : encodeALaw;
    this.decode = options.offer.codec === 'pcmu' ? decodeMuLaw : decodeALaw;
    this.pacer = new AudioFramePacer({
      frameMs: options.offer.ptimeMs,
      pushFrame: (samples) => this.sendFrame(samples),
      onStarted: options.onStarted,
      onStopped: options.onStopped,
    });
    this.socket.on('message', (datagram, from) => this.onDatagram(datagram, from));
    this.socket.on('error', (error) => options.log?.(`emulator: sip: rtp socket error: ${error.message}`));
  }

  /** Binds the socket on an ephemeral port and starts the outgoing clock; resolves with the local port. */
  async open(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(0, this.options.bindAddress, () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
    this.pacer.start();
    return this.socket.address().port;
  }

  /** The engine's audio output port: what the NPC says plays on this phone line. */
  audioOutput(): AudioOutput {
    return {
      buffered: true,
      write: (chunk) => this.pacer.write(chunk.pcm, chunk.responseId, chunk.itemId),
      end: (responseId) => this.pacer.end(responseId),
      clear: () => this.pacer.clear(),
    };
  }

  private sendFrame(samples: Int16Array): void {
    if (this.closed) return;
    const narrow = floatToPcm16(this.down.process(pcm16ToFloat(samples)));
    if (narrow.length === 0) return;
    const packet = buildRtp({
      payloadType: this.options.offer.payloadType,
      sequence: this.sequence,
      timestamp: this.timestamp,
      ssrc: this.ssrc,
      // The marker starts a talkspurt (RFC 3551); the line is continuous, so only its first packet has one.
      marker: this.firstPacket,
      payload: this.encode(narrow),
    });
    this.firstPacket = false;
    this.sequence = (this.sequence + 1) & 0xffff;
    this.timestamp = (this.timestamp + narrow.length) >>> 0;
    this.stats.sent++;
    this.socket.send(packet, this.remote.port, this.remote.address);
  }

  private onDatagram(datagram: Buffer, from: dgram.RemoteInfo): void {
    if (this.closed) return;
    const packet = parseRtp(datagram);
    if (!packet) return;
    if (packet.payloadType === this.options.offer.telephoneEventPayloadType) {
      const key = this.dtmf.receive(packet.timestamp, packet.payload);
      if (key !== null) this.options.onDtmf?.(key);
      return;
    }
    if (packet.payloadType !== this.options.offer.payloadType) return;
    // Symmetric RTP (RFC 4961): answer where the caller's packets come from, which a NAT or a multi-homed caller's
    // c= line may not say.
    if (!this.latched) {
      this.latched = true;
      this.remote = { address: from.address, port: from.port };
    }
    this.stats.received++;
    const narrow = this.decode(packet.payload);
    const pcm = floatToPcm16(this.up.process(pcm16ToFloat(narrow)));
    if (pcm.length > 0) this.options.onAudio(pcm);
  }

  /** Stops the clock and closes the socket. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pacer.stop();
    this.socket.close();
  }
}
