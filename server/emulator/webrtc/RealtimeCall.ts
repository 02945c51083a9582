import { floatToPcm16, pcm16ToFloat } from '../../../plugin/shared/pcm16.js';
import { Resampler } from '../../../plugin/shared/resample.js';
import { DelayLine, LINK, MediaLink, type NetworkConditions } from '../network/networkConditions.js';
import { CallSidebands, type SidebandHandle, type SidebandTarget } from '../realtime/CallSidebands.js';
import { SessionEngine, type SessionEngineOptions } from '../realtime/SessionEngine.js';
import type { SessionRecording } from '../record/SessionRecording.js';
import { SAMPLE_RATE_HZ } from '../speech/types.js';
import { AudioFramePacer } from './AudioFramePacer.js';
import { keepLoopbackCandidates, loopbackCandidateCount } from './loopbackSdp.js';
import { trackAudioOutput } from './trackAudioOutput.js';
import type { WrtcAudioData, WrtcAudioSink, WrtcAudioSource, WrtcModule } from './loadWrtc.js';

/** Label of the data channel that carries the GA events. */
export const EVENTS_CHANNEL = 'oai-events';
/** Largest event sent over the data channel (the SCTP default max-message-size is 256 KiB). */
export const MAX_DATA_CHANNEL_MESSAGE_BYTES = 256 * 1024;

/** Options of {@link RealtimeCall.open}. */
export interface RealtimeCallOptions {
  wrtc: WrtcModule;
  id: string;
  offerSdp: string;
  /** Engine options except the transport wiring, which the call provides. */
  engine: Omit<SessionEngineOptions, 'send' | 'audioOutput' | 'maxEventBytes'>;
  /** Longest wait for ICE gathering before answering with what was gathered (default 3000 ms). */
  iceGatheringTimeoutMs?: number;
  /** Longest wait from the answer until the data channel opens (default 20 000 ms). */
  connectTimeoutMs?: number;
  /** How long a `disconnected` peer may stay so before the call ends (default 5000 ms, like the SDK). */
  disconnectedGraceMs?: number;
  /**
   * Rehearsed network conditions (`NPC_VOICE_NETEM` or the offer's `?netem=`): the data channel is delayed both ways
   * (reliable, in order, bandwidth-capped), media frames are delayed and lost at the drop rate, and the call is cut
   * after `disconnect` ms. Null or absent: none.
   */
  netem?: NetworkConditions | null;
  /**
   * Starts the call's cassette (`NPC_VOICE_RECORD`), called when the data channel opens: its events either way and
   * the media audio each way from then on.
   */
  record?: () => SessionRecording;
  /** Called once when the call has ended, whatever ended it. */
  onClosed: (call: RealtimeCall, reason: string) => void;
  log?: (line: string) => void;
}

/** Thrown by {@link RealtimeCall.open} when the offer cannot be answered. */
export class CallSetupError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 500,
    readonly code: string,
  ) {
    super(message);
    this.name = 'CallSetupError';
  }
}

/** Converts the remote track's PCM (any rate, mono or interleaved stereo) to PCM16 mono at 24 kHz. */
class InputConverter {
  private resampler: Resampler | null = null;

  convert(data: WrtcAudioData): Int16Array {
    const channels = data.channelCount ?? 1;
    let mono = data.samples;
    if (channels > 1) {
      mono = new Int16Array(Math.floor(data.samples.length / channels));
      for (let i = 0; i < mono.length; i++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += data.samples[i * channels + c] ?? 0;
        mono[i] = Math.round(sum / channels);
      }
    }
    if (data.sampleRate === SAMPLE_RATE_HZ) return Int16Array.from(mono);
    // libwebrtc delivers 16 kHz before the first packet is decoded, then the codec's rate: follow rate changes.
    if (this.resampler?.fromHz !== data.sampleRate) this.resampler = new Resampler(data.sampleRate, SAMPLE_RATE_HZ);
    return floatToPcm16(this.resampler.process(pcm16ToFloat(mono)));
  }
}

function waitForGathering(pc: RTCPeerConnection, timeoutMs: number): Promise<boolean> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (complete: boolean): void => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', onChange);
      resolve(complete);
    };
    const onChange = (): void => {
      if (pc.iceGatheringState === 'complete') done(true);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    pc.addEventListener('icegatheringstatechange', onChange);
  });
}

/**
 * One emulated WebRTC Realtime call: a wrtc peer connection whose `oai-events` data channel carries the GA events of
 * a {@link SessionEngine}, whose outgoing track (its audio output) plays the NPC's voice in real time and whose
 * incoming track feeds the engine's input audio (server VAD, transcription).
 */
export class RealtimeCall implements SidebandTarget {
  readonly id: string;
  /** The engine behind the call (for diagnostics and tests). */
  readonly engine: SessionEngine;
  private readonly options: RealtimeCallOptions;
  private readonly pc: RTCPeerConnection;
  private readonly source: WrtcAudioSource;
  private readonly outTrack: MediaStreamTrack;
  private readonly pacer: AudioFramePacer;
  private readonly sinks: WrtcAudioSink[] = [];
  private channel: RTCDataChannel | null = null;
  private pending: string[] = [];
  private recording: SessionRecording | null = null;
  private readonly sidebands: CallSidebands;
  private closed = false;
  private connectTimer: NodeJS.Timeout | null = null;
  private disconnectTimer: NodeJS.Timeout | null = null;
  private netemTimer: NodeJS.Timeout | null = null;
  /** The rehearsed network's links; null without network conditions. */
  private readonly links: {
    eventsOut: DelayLine<string>;
    eventsIn: DelayLine<string>;
    mediaOut: MediaLink<Int16Array>;
    mediaIn: MediaLink<Int16Array>;
  } | null;
  private closedPromise: Promise<void>;
  private resolveClosed: () => void = () => {};

  private constructor(options: RealtimeCallOptions) {
    this.options = options;
    this.id = options.id;
    const { wrtc } = options;
    this.closedPromise = new Promise((resolve) => (this.resolveClosed = resolve));
    this.pc = new wrtc.RTCPeerConnection({ iceServers: [] });
    this.source = new wrtc.nonstandard.RTCAudioSource();
    this.outTrack = this.source.createTrack();
    const netem = options.netem ?? null;
    this.links = netem
      ? {
          eventsOut: new DelayLine<string>(netem, LINK.serverToClient, (text) => this.transmit(text)),
          eventsIn: new DelayLine<string>(netem, LINK.clientToServer, (text) => this.receiveEvent(text)),
          mediaOut: new MediaLink<Int16Array>(netem, LINK.mediaOut, (samples) => this.source.onData({ samples, sampleRate: SAMPLE_RATE_HZ })),
          mediaIn: new MediaLink<Int16Array>(netem, LINK.mediaIn, (pcm) => this.appendInput(pcm)),
        }
      : null;
    this.pacer = new AudioFramePacer({
      sampleRateHz: SAMPLE_RATE_HZ,
      pushFrame: (samples, sampleRate) => {
        // Recorded as the engine sent it, before any rehearsed network delay or loss.
        this.recording?.outputAudio(samples);
        if (this.links) this.links.mediaOut.push(samples);
        else this.source.onData({ samples, sampleRate });
      },
      onStarted: (responseId) => this.engine.outputAudioStarted(responseId),
      onStopped: (responseId) => this.engine.outputAudioStopped(responseId),
    });
    this.engine = new SessionEngine({
      ...options.engine,
      audioOutput: trackAudioOutput(this.pacer),
      maxEventBytes: MAX_DATA_CHANNEL_MESSAGE_BYTES,
      send: (event) => {
        this.recording?.server(event);
        const text = JSON.stringify(event);
        // An error answers the event that caused it: one a sideband sent goes back to that sideband only.
        if (!this.sidebands.deliver(event, text)) this.sendText(text);
      },
    });
    this.sidebands = new CallSidebands((text) => {
      this.recording?.client(text, 'sideband');
      this.engine.receive(text);
    });
  }

  /**
   * Attaches a sideband (the developer's server on `GET /v1/realtime?call_id=…`): it receives every server event
   * of the call from now on and its client events apply to the same session, as if sent on the data channel.
   * `onClosed` runs when the call ends. Returns the way to send on the call and to detach.
   */
  attachSideband(send: (text: string) => void, onClosed: () => void): SidebandHandle {
    return this.sidebands.attach(send, onClosed);
  }

  /**
   * Answers an offer: creates the peer, waits for ICE gathering (bounded) and returns the answer SDP with loopback
   * candidates only.
   * @throws CallSetupError when the offer is invalid or no loopback candidate could be gathered.
   */
  static async open(options: RealtimeCallOptions): Promise<{ call: RealtimeCall; answerSdp: string }> {
    const call = new RealtimeCall(options);
    try {
      const answerSdp = await call.negotiate();
      return { call, answerSdp };
    } catch (error) {
      call.close('setup failed');
      throw error;
    }
  }

  /** Resolves once the call has ended. */
  get closedSignal(): Promise<void> {
    return this.closedPromise;
  }

  /** Whether the call has ended. */
  get isClosed(): boolean {
    return this.closed;
  }

  private async negotiate(): Promise<string> {
    const { pc, wrtc } = { pc: this.pc, wrtc: this.options.wrtc };
    pc.addEventListener('track', this.onTrack);
    pc.addEventListener('datachannel', this.onDataChannel);
    pc.addEventListener('connectionstatechange', this.onConnectionState);
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: this.options.offerSdp });
    } catch (error) {
      throw new CallSetupError(`Invalid SDP offer: ${(error as Error).message}`, 400, 'invalid_offer');
    }
    if (this.closed) throw new CallSetupError('The call was closed during setup.', 500, 'call_closed');
    // The SDK's ontrack sets audioElement.srcObject = event.streams[0]: without a stream the NPC is never heard.
    pc.addTrack(this.outTrack, new wrtc.MediaStream([this.outTrack]));
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    const complete = await waitForGathering(pc, this.options.iceGatheringTimeoutMs ?? 3000);
    if (this.closed) throw new CallSetupError('The call was closed during setup.', 500, 'call_closed');
    const sdp = pc.localDescription?.sdp ?? '';
    if (loopbackCandidateCount(sdp) === 0) {
      throw new CallSetupError('ICE gathering found no 127.0.0.1 candidate to answer with.', 500, 'ice_gathering_failed');
    }
    if (!complete) this.options.log?.(`emulator: call ${this.id}: ICE gathering timed out; answering with what was gathered`);
    this.pacer.start();
    const cutAfterMs = this.options.netem?.disconnectAfterMs;
    if (cutAfterMs != null) this.netemTimer = setTimeout(() => this.close(`dropped by netem after ${cutAfterMs} ms`), cutAfterMs);
    this.connectTimer = setTimeout(() => this.close('data channel did not open in time'), this.options.connectTimeoutMs ?? 20_000);
    return keepLoopbackCandidates(sdp);
  }

  private readonly onTrack = (event: RTCTrackEvent): void => {
    if (this.closed || event.track.kind !== 'audio') return;
    const sink = new this.options.wrtc.nonstandard.RTCAudioSink(event.track);
    const converter = new InputConverter();
    sink.ondata = (data) => {
      if (this.closed) return;
      let pcm: Int16Array;
      try {
        pcm = converter.convert(data);
      } catch (error) {
        this.options.log?.(`emulator: call ${this.id}: input audio dropped: ${(error as Error).message}`);
        return;
      }
      if (this.links) this.links.mediaIn.push(pcm);
      else this.appendInput(pcm);
    };
    this.sinks.push(sink);
  };

  /** A data-channel event reaches the engine (after any rehearsed delay): recorded as the engine receives it. */
  private receiveEvent(text: string): void {
    this.recording?.client(text);
    this.engine.receive(text);
  }

  private appendInput(pcm: Int16Array): void {
    if (this.closed) return;
    try {
      this.recording?.inputAudio(pcm);
      this.engine.appendAudio(pcm);
    } catch (error) {
      this.options.log?.(`emulator: call ${this.id}: input audio dropped: ${(error as Error).message}`);
    }
  }

  private readonly onDataChannel = (event: RTCDataChannelEvent): void => {
    const channel = event.channel;
    if (this.closed || channel.label !== EVENTS_CHANNEL || this.channel) {
      channel.close();
      return;
    }
    this.channel = channel;
    const opened = (): void => {
      if (this.closed) return;
      if (this.connectTimer) clearTimeout(this.connectTimer);
      this.connectTimer = null;
      this.recording = this.options.record?.() ?? null;
      const pending = this.pending;
      this.pending = [];
      for (const text of pending) this.sendText(text);
      this.engine.start();
    };
    channel.addEventListener('message', (message: MessageEvent) => {
      const text = typeof message.data === 'string' ? message.data : '\u0000binary';
      if (this.links) this.links.eventsIn.push(text, Buffer.byteLength(text));
      else this.receiveEvent(text);
    });
    channel.addEventListener('close', () => this.close('data channel closed'));
    if (channel.readyState === 'open') opened();
    else channel.addEventListener('open', opened);
  };

  private readonly onConnectionState = (): void => {
    const state = this.pc.connectionState;
    if (state === 'failed' || state === 'closed') {
      this.close(`peer connection ${state}`);
    } else if (state === 'disconnected') {
      this.disconnectTimer ??= setTimeout(() => this.close('peer connection disconnected'), this.options.disconnectedGraceMs ?? 5000);
    } else if (state === 'connected' && this.disconnectTimer) {
      clearTimeout(this.disconnectTimer);
      this.disconnectTimer = null;
    }
  };

  private sendText(text: string): void {
    if (this.closed) return;
    const channel = this.channel;
    if (!channel || channel.readyState !== 'open') {
      this.pending.push(text);
      return;
    }
    if (this.links) this.links.eventsOut.push(text, Buffer.byteLength(text));
    else this.transmit(text);
  }

  private transmit(text: string): void {
    const channel = this.channel;
    if (this.closed || !channel || channel.readyState !== 'open') return;
    if (Buffer.byteLength(text) > MAX_DATA_CHANNEL_MESSAGE_BYTES) {
      this.options.log?.(`emulator: call ${this.id}: dropped a ${Buffer.byteLength(text)} byte event over the data channel limit`);
      return;
    }
    try {
      channel.send(text);
    } catch (error) {
      this.options.log?.(`emulator: call ${this.id}: send failed: ${(error as Error).message}`);
    }
  }

  /** Ends the call: stops the engine, the audio and the peer. Safe to call twice. */
  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    if (this.connectTimer) clearTimeout(this.connectTimer);
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    if (this.netemTimer) clearTimeout(this.netemTimer);
    if (this.links) for (const link of Object.values(this.links)) link.close();
    this.pacer.stop();
    this.engine.close();
    const recorded = this.recording?.close();
    this.sidebands.close();
    for (const sink of this.sinks) sink.stop();
    this.pc.removeEventListener('track', this.onTrack);
    this.pc.removeEventListener('datachannel', this.onDataChannel);
    this.pc.removeEventListener('connectionstatechange', this.onConnectionState);
    // Tear the native objects down outside whatever wrtc callback got us here: closing a peer from inside its own
    // event dispatch is where libwebrtc bindings tend to crash.
    setImmediate(() => {
      try {
        this.channel?.close();
        this.outTrack.stop();
        this.pc.close();
      } catch (error) {
        this.options.log?.(`emulator: call ${this.id}: close failed: ${(error as Error).message}`);
      }
      const links = this.links;
      const lost = links
        ? `; netem lost ${links.mediaOut.lostFrames} of ${links.mediaOut.frames} media frames out, ${links.mediaIn.lostFrames} of ${links.mediaIn.frames} in`
        : '';
      this.options.log?.(`emulator: call ${this.id} closed (${reason})${lost}`);
      this.options.onClosed(this, reason);
      // `closedSignal` (and so the server's shutdown) waits until the cassette and its WAV files are written.
      void Promise.resolve(recorded).then(() => this.resolveClosed());
    });
  }
}
