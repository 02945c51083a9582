import type { SipMessage } from 'sip';
import { CallSidebands, type SidebandHandle, type SidebandTarget } from '../realtime/CallSidebands.js';
import { SessionEngine, type SessionEngineOptions } from '../realtime/SessionEngine.js';
import { RtpAudioStream } from './RtpAudioStream.js';
import { answerSdp, type AudioOffer } from './sdpAudio.js';

/** Where a phone call is: announced and waiting for accept/reject, answered, or over. */
export type SipCallState = 'ringing' | 'accepted' | 'ended';

/** What a SIP call is created with, from the caller's INVITE. */
export interface SipCallOptions {
  id: string;
  invite: SipMessage;
  /** Where the INVITE came from: responses and in-dialog requests go back there (RFC 3581). */
  remote: { address: string; port: number };
  offer: AudioOffer;
  /** Our tag in the dialog (`To` of our responses, `From` of our requests). */
  localTag: string;
  /** The dialled user part (`sip:blacksmith@…` → `blacksmith`). */
  dialledUser: string | undefined;
  /** The endpoint's address, for the SDP answer and the RTP socket. */
  host: string;
  log?: (line: string) => void;
}

/**
 * One phone call into the emulator: the caller's INVITE and offer while it rings, then, once the developer's server
 * accepts it, an RTP media leg whose audio is a {@link SessionEngine}'s input and output (the engine's `AudioOutput`
 * is the phone line) and whose server events go to the call's sidebands (`?call_id=`), the only way to see a SIP
 * session's events.
 */
export class SipCall implements SidebandTarget {
  readonly id: string;
  readonly invite: SipMessage;
  readonly remote: { address: string; port: number };
  readonly offer: AudioOffer;
  readonly localTag: string;
  readonly dialledUser: string | undefined;
  private readonly options: SipCallOptions;
  private stateNow: SipCallState = 'ringing';
  private media: RtpAudioStream | null = null;
  private engineNow: SessionEngine | null = null;
  private readonly sidebands = new CallSidebands((text) => this.engineNow?.receive(text));
  /** The 200 OK sent for the INVITE, retransmitted until the caller's ACK. */
  answer: string | null = null;
  /** Our CSeq for requests we send in the dialog (BYE, REFER). */
  localSeq = 1;

  constructor(options: SipCallOptions) {
    this.options = options;
    this.id = options.id;
    this.invite = options.invite;
    this.remote = options.remote;
    this.offer = options.offer;
    this.localTag = options.localTag;
    this.dialledUser = options.dialledUser;
  }

  get state(): SipCallState {
    return this.stateNow;
  }

  get isClosed(): boolean {
    return this.stateNow === 'ended';
  }

  /** The session behind an answered call (tests, diagnostics). */
  get engine(): SessionEngine | null {
    return this.engineNow;
  }

  /** RTP packets both ways, once answered. */
  get rtpStats(): { received: number; sent: number } {
    return this.media?.stats ?? { received: 0, sent: 0 };
  }

  attachSideband(send: (text: string) => void, onClosed: () => void): SidebandHandle {
    return this.sidebands.attach(send, onClosed);
  }

  /**
   * Answers the call: opens the media leg and the session; returns the SDP answer for the 200 OK. The engine starts
   * at once, so a sideband that attaches next can have the NPC greet (`response.create`).
   */
  async accept(engine: Omit<SessionEngineOptions, 'send' | 'audioOutput'>): Promise<string> {
    const media = new RtpAudioStream({
      offer: this.offer,
      bindAddress: this.options.host,
      onAudio: (pcm) => {
        try {
          this.engineNow?.appendAudio(pcm);
        } catch (error) {
          this.options.log?.(`emulator: sip call ${this.id}: input audio dropped: ${(error as Error).message}`);
        }
      },
      onStarted: (responseId) => this.engineNow?.outputAudioStarted(responseId),
      onStopped: (responseId) => this.engineNow?.outputAudioStopped(responseId),
      onDtmf: (key) => this.engineNow?.dtmfReceived(key),
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    this.media = media;
    const port = await media.open();
    if (this.stateNow !== 'ringing') {
      media.close();
      throw new Error(`call ${this.id} ended while it was being accepted`);
    }
    this.engineNow = new SessionEngine({
      ...engine,
      audioOutput: media.audioOutput(),
      send: (event) => this.sidebands.deliver(event, JSON.stringify(event)),
    });
    this.stateNow = 'accepted';
    this.engineNow.start();
    return answerSdp({ address: this.options.host, port, offer: this.offer, sessionId: Date.now() });
  }

  /** Ends the call's media, session and sidebands (the endpoint sends whatever SIP the ending needs). Safe to call twice. */
  close(reason: string): void {
    if (this.stateNow === 'ended') return;
    this.stateNow = 'ended';
    this.media?.close();
    this.engineNow?.close();
    this.sidebands.close();
    this.options.log?.(`emulator: sip call ${this.id} ended (${reason})`);
  }
}
