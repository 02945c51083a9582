import type { VoiceOutput } from '../../audioBackend.js';
import { NpcSessionError } from '../../errors.js';
import { WebRtcInput } from './WebRtcInput.js';
import type { InputPort, MicTrackSource, TransportLink, TransportStrategy, WebRtcHandle } from './transport.js';

/**
 * The WebRTC transport (lowest latency): the NPC's voice arrives as a remote media stream played through its voice
 * chain, and the player's voice goes up on the call's own clone of the microphone track (a silent placeholder
 * until the microphone opens), with what the track cannot carry yet sent over the data channel (see WebRtcInput).
 */
export function webRtcTransport(mic: MicTrackSource | undefined): TransportStrategy {
  return {
    kind: 'webrtc',
    speakingFrom: 'server',
    // The audio layer first: for a placeholder track, and for the voice the remote stream plays on.
    prepare: () => mic?.ready?.(),
    create(sdk, key, voice) {
      const clone = mic?.cloneTrack() ?? null;
      const track = clone ?? mic?.placeholderTrack() ?? null;
      if (!track) throw new NpcSessionError('no_audio_track', 'WebRTC needs a microphone or an AudioContext for a placeholder track');
      let link: WebRtcLink | null = null;
      const rtc = sdk.createWebRtcTransport(track, (stream) => link?.remoteStream(stream));
      // In relay mode the server names its unified interface; otherwise the calls endpoint sits next to the WebSocket one.
      link = new WebRtcLink(rtc, clone === null, mic, voice, key.callsUrl ?? webRtcCallsUrl(key.url));
      return link;
    },
  };
}

class WebRtcLink implements TransportLink {
  readonly transport: WebRtcHandle['transport'];
  private input: WebRtcInput | null = null;
  private stream: MediaStream | null = null;
  private disposed = false;

  constructor(
    private readonly rtc: WebRtcHandle,
    /** The call sends a silent placeholder because the microphone was not open yet. */
    private placeholderMic: boolean,
    private readonly mic: MicTrackSource | undefined,
    private voice: VoiceOutput | null,
    readonly url: string,
  ) {
    this.transport = rtc.transport;
  }

  start(port: InputPort): void {
    const rtc = this.rtc;
    this.input = new WebRtcInput({
      append: (pcm) => port.append(pcm),
      setTrackEnabled: (on) => rtc.setMicEnabled(on),
      commit: () => port.commit(),
      roundTripMs: () => rtc.roundTripMs(),
    });
  }

  live(micEnabled: boolean): void {
    this.input?.setEnabled(micEnabled);
    // The call was set up with a clone of the open mic: the track already carries the player's voice.
    if (!this.placeholderMic) this.input?.trackReady(true);
    // The microphone may have opened while the call was being set up (the player pressed to talk meanwhile).
    this.useMicTrack();
  }

  /** The call's remote stream arrived: the NPC's voice plays it. */
  remoteStream(stream: MediaStream): void {
    this.stream = stream;
    this.voice?.attachStream(stream);
  }

  setVoice(voice: VoiceOutput | null): void {
    if (voice === this.voice) return;
    this.voice?.attachStream(null);
    this.voice = voice;
    if (this.stream) voice?.attachStream(this.stream);
  }

  audio(pcm: Int16Array): void {
    this.input?.audio(pcm);
  }

  early(chunks: readonly Int16Array[], released: boolean): void {
    // Sent at the player's next pause, in ≤ 500 ms appends (one big append could exceed the data channel's limit).
    this.input?.prepend(chunks, released);
  }

  continueTurn(): boolean {
    return this.input?.beginTurn() ?? false;
  }

  beginTurn(): void {}

  endTurn(): void {
    // Commits once the words spoken before the release have crossed the media path.
    this.input?.endTurn();
  }

  interrupted(): void {}

  setMicEnabled(enabled: boolean): void {
    this.input?.setEnabled(enabled);
  }

  micOpened(): void {
    this.useMicTrack();
  }

  /** Voice input was turned off: stop the microphone clone and send a silent placeholder. */
  micClosed(): void {
    if (this.placeholderMic) return;
    const placeholder = this.mic?.placeholderTrack();
    if (!placeholder) return;
    this.placeholderMic = true;
    this.input?.trackReady(false);
    void this.rtc.setMicTrack(placeholder);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.input?.dispose();
    this.input = null;
    // The call's remote stream goes with it (a voice that kept it would keep its audio node alive).
    this.voice?.attachStream(null);
    this.stream = null;
    this.rtc.dispose();
  }

  /**
   * Swaps the placeholder for a clone of the microphone, once both exist. Until the call really sends the clone,
   * the microphone's PCM is kept by the WebRtcInput (and sent over the data channel at the next pause).
   */
  private useMicTrack(): void {
    if (!this.placeholderMic) return;
    const clone = this.mic?.cloneTrack();
    if (!clone) return;
    this.placeholderMic = false;
    void this.rtc.setMicTrack(clone).then((sent) => {
      if (sent && !this.placeholderMic) this.input?.trackReady(true);
    });
  }
}

/** Turns the minted WebSocket URL into the WebRTC SDP endpoint of the same server (`…/v1/realtime/calls`). */
export function webRtcCallsUrl(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  url.search = '';
  url.pathname = url.pathname.replace(/\/$/, '') + '/calls';
  return url.toString();
}
