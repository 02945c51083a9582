import type { VoiceOutput } from '../audioBackend.js';
import type { Spatial } from '../shared/personaSchema.js';
import { PCM_RATE_HZ, rms } from '../shared/pcm16.js';
import { levelFromRms, smoothLevel } from './level.js';
import { RemoteTrackReader, canReadTrackFrames } from './RemoteTrackReader.js';
import { moveTo, pannerOptions, worldToAudio } from './spatial.js';
import { STREAM_PLAYER_PROCESSOR, type PlayerCommand, type PlayerProcessorOptions, type PlayerReport } from './streamPlayerMessages.js';

/** Rate of the PCM the Realtime API sends (`audio/pcm`). */
const INPUT_RATE_HZ = PCM_RATE_HZ;
/** How long `speaking` stays true after the queue runs dry, so a late chunk does not make the mouth and duck flicker. */
const SPEAKING_HOLD_MS = 150;
/** Extrapolation of playedMs between worklet reports is capped at two report periods (reports come every ~50 ms). */
const MAX_EXTRAPOLATION_S = 0.1;
/** WebRTC voices: how often `speaking` is re-checked between frames, and the level that counts as speech. */
const STREAM_POLL_MS = 50;
const STREAM_SPEAKING_LEVEL = 0.08;
/** A WebRTC voice whose track delivered no frame for this long is silent (the track stalled or ended). */
const STREAM_STALE_MS = 100;
/** Played counts are kept for this many items (the current answer and a few before it). */
const MAX_TRACKED_ITEMS = 32;

/** What VoiceMixer hands a voice it creates. */
export interface NpcVoiceInit {
  context: AudioContext;
  output: AudioNode;
  spatial: Spatial;
  player: PlayerProcessorOptions;
  /** Called whenever `speaking` changes, before the voice's own listeners. */
  onSpeakingChange: (voice: NpcVoice, speaking: boolean) => void;
  onDestroy: (voice: NpcVoice) => void;
}

interface PlayedRecord {
  frames: number;
  /** Worklet frame at which `frames` were complete. */
  frame: number;
}

type SpeakingListener = (speaking: boolean) => void;

/**
 * One NPC's voice: the `npc-stream-player` worklet (WebSocket PCM) and/or a WebRTC stream → gain → panner → the
 * mixer's destination. Created by `VoiceMixer.createVoice`.
 */
export class NpcVoice implements VoiceOutput {
  readonly id: string;
  /** The voice's volume stage (1 by default); exposed so a game can fade a single NPC. */
  readonly gain: GainNode;
  /** The voice's spatial stage. */
  readonly panner: PannerNode;
  private readonly context: AudioContext;
  private readonly init: NpcVoiceInit;
  private readonly player: AudioWorkletNode;
  private readonly listeners = new Set<SpeakingListener>();
  private readonly played = new Map<string, PlayedRecord>();
  private readonly pushed = new Map<string, number>();
  private playingItem: string | null = null;
  private awaitingClear = false;
  private underrunCount = 0;
  private rawLevel = 0;
  private pcmSpeaking = false;
  private streamSpeaking = false;
  private speakingNow = false;
  private holdTimer: ReturnType<typeof setTimeout> | null = null;
  private positioned = false;
  private destroyed = false;
  private stream: {
    stream: MediaStream;
    /** Chromium: the track's frames, read on the main thread and played by the player's live lane. */
    reader: RemoteTrackReader | null;
    lastFrameMs: number;
    /** Elsewhere: a source node into the voice's gain, and an analyser for the level. */
    source: MediaStreamAudioSourceNode | null;
    analyser: AnalyserNode | null;
    samples: Float32Array<ArrayBuffer>;
    level: number;
    lastLoud: number;
    poll: ReturnType<typeof setInterval> | null;
    onAddTrack: (() => void) | null;
  } | null = null;

  /** @throws DOMException when the `npc-stream-player` module is not loaded in the context (await mixer.ready()). */
  constructor(id: string, init: NpcVoiceInit) {
    this.id = id;
    this.init = init;
    this.context = init.context;
    const ctx = init.context;
    this.player = new AudioWorkletNode(ctx, STREAM_PLAYER_PROCESSOR, {
      numberOfInputs: 0,
      numberOfOutputs: 1,
      outputChannelCount: [1],
      processorOptions: { inputRateHz: INPUT_RATE_HZ, ...init.player },
    });
    this.gain = new GainNode(ctx);
    this.panner = new PannerNode(ctx, pannerOptions(init.spatial));
    this.player.connect(this.gain).connect(this.panner).connect(init.output);
    this.player.port.onmessage = this.onReport;
  }

  /** Whether the NPC is audible now (PCM playing, or a WebRTC stream above the speech level). */
  get speaking(): boolean {
    return this.speakingNow;
  }

  /** Audible gaps so far: times the player ran dry in the middle of an answer and had to re-buffer. */
  get underruns(): number {
    return this.underrunCount;
  }

  /**
   * Queues PCM16 24 kHz mono audio of assistant item `itemId`. The samples go to the audio thread by transfer when
   * `pcm` spans its whole buffer (the caller's array is then emptied), otherwise as a copy.
   */
  push(pcm: Int16Array, itemId: string): void {
    if (this.destroyed || pcm.length === 0) return;
    this.pushed.set(itemId, (this.pushed.get(itemId) ?? 0) + pcm.length);
    prune(this.pushed);
    const whole = pcm.byteOffset === 0 && pcm.byteLength === pcm.buffer.byteLength && pcm.buffer instanceof ArrayBuffer;
    const data = whole ? pcm : pcm.slice();
    this.send({ type: 'push', itemId, pcm: data }, [data.buffer as ArrayBuffer]);
  }

  /** Barge-in: silences the voice at once (a 3 ms fade on the audio thread) and drops everything queued. */
  stop(): void {
    if (this.destroyed) return;
    this.send({ type: 'clear' });
    // Freeze the played position where it is: the worklet's final exact count arrives with the acknowledgement.
    if (this.playingItem !== null) this.freezePlayed(this.playingItem);
    this.playingItem = null;
    this.awaitingClear = true;
    this.rawLevel = 0;
    this.pcmSpeaking = false;
    this.clearHold();
    this.updateSpeaking();
  }

  /**
   * Milliseconds of `itemId` actually rendered: the worklet's exact frame count, extrapolated by the audio clock
   * between its ~50 ms reports while the item plays, and never more than was pushed.
   */
  playedMs(itemId: string): number {
    const record = this.played.get(itemId);
    if (!record) return 0;
    const rate = this.context.sampleRate;
    let frames = record.frames;
    if (itemId === this.playingItem && !this.awaitingClear) {
      const now = this.context.currentTime * rate;
      frames += Math.min(Math.max(0, now - record.frame), MAX_EXTRAPOLATION_S * rate);
    }
    const pushedMs = ((this.pushed.get(itemId) ?? 0) * 1000) / INPUT_RATE_HZ;
    return Math.min((frames * 1000) / rate, pushedMs);
  }

  /** Output level in [0, 1] for lip-sync (cheap: read it every frame). */
  level(): number {
    const pcm = levelFromRms(this.rawLevel);
    return this.stream ? Math.max(pcm, levelFromRms(this.readStreamRms())) : pcm;
  }

  /** Moves the voice to a world position (px); non-finite coordinates are ignored, the voice stays where it was. */
  setPosition(x: number, y: number): void {
    if (this.destroyed) return;
    const point = worldToAudio(x, y);
    if (!point) return;
    moveTo(this.panner, point, this.context.currentTime, !this.positioned);
    this.positioned = true;
  }

  /**
   * Plays a WebRTC remote stream through this voice's gain and panner. Where the browser can read a track's frames
   * (Chromium's MediaStreamTrackProcessor) they go to the player's live lane, with level and speaking from each
   * frame; elsewhere a MediaStreamAudioSourceNode plays it, with an analyser for the level. The caller must keep the
   * stream attached to a muted media element (`audio.muted = true; audio.srcObject = stream`): Chromium does not
   * decode a remote WebRTC track at all unless a media element consumes it. `null` lets go of the stream (its call
   * ended).
   */
  attachStream(stream: MediaStream | null): void {
    if (this.destroyed || this.stream?.stream === stream) return;
    this.detachStream();
    if (!stream) return;
    const state: NonNullable<NpcVoice['stream']> = {
      stream,
      reader: null,
      lastFrameMs: -Infinity,
      source: null,
      analyser: null,
      samples: new Float32Array(1024),
      level: 0,
      lastLoud: -Infinity,
      poll: null,
      onAddTrack: null,
    };
    this.stream = state;
    const connect = (): void => {
      const track = stream.getAudioTracks()[0];
      if (this.stream !== state || state.reader || state.source || !track) return;
      if (canReadTrackFrames()) {
        state.reader = new RemoteTrackReader(track, (pcm, rateHz) => this.onStreamFrame(state, pcm, rateHz));
      } else {
        const source = this.context.createMediaStreamSource(stream);
        const analyser = new AnalyserNode(this.context, { fftSize: 1024 });
        source.connect(this.gain);
        source.connect(analyser);
        state.source = source;
        state.analyser = analyser;
      }
      state.poll = setInterval(this.pollStream, STREAM_POLL_MS);
      if (state.onAddTrack) stream.removeEventListener('addtrack', state.onAddTrack);
      state.onAddTrack = null;
    };
    if (stream.getAudioTracks().length > 0) {
      connect();
    } else {
      // The SDK hands over the stream from `ontrack`, but a stream may also gain its audio track later.
      state.onAddTrack = connect;
      stream.addEventListener('addtrack', connect);
    }
  }

  /** Listens for `speaking` changes. */
  on(event: 'speaking', fn: SpeakingListener): this {
    if (event === 'speaking') this.listeners.add(fn);
    return this;
  }

  /** Removes a `speaking` listener. */
  off(event: 'speaking', fn: SpeakingListener): this {
    if (event === 'speaking') this.listeners.delete(fn);
    return this;
  }

  /** Disconnects every node and forgets every listener; safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.clearHold();
    this.detachStream();
    this.send({ type: 'dispose' });
    this.player.port.onmessage = null;
    this.player.port.close();
    this.player.disconnect();
    this.gain.disconnect();
    this.panner.disconnect();
    if (this.speakingNow) {
      this.speakingNow = false;
      this.init.onSpeakingChange(this, false);
    }
    this.listeners.clear();
    this.init.onDestroy(this);
  }

  private readonly onReport = (event: MessageEvent<PlayerReport>): void => {
    const report = event.data;
    switch (report.type) {
      case 'played': {
        for (const { itemId, samples } of report.items) {
          const prev = this.played.get(itemId);
          // Counts only grow between reports, so an extrapolated estimate is not pulled back by a report that was
          // already in flight; after stop() the worklet's final exact count replaces the frozen estimate.
          if (!prev || this.awaitingClear || samples >= prev.frames) this.played.set(itemId, { frames: samples, frame: report.frame });
        }
        prune(this.played);
        if (!this.awaitingClear) this.rawLevel = report.level;
        return;
      }
      case 'cleared':
        this.awaitingClear = false;
        return;
      case 'started':
        if (this.awaitingClear) return;
        this.playingItem = report.itemId;
        if (!this.played.has(report.itemId)) this.played.set(report.itemId, { frames: 0, frame: report.frame });
        prune(this.played);
        this.clearHold();
        this.pcmSpeaking = true;
        this.updateSpeaking();
        return;
      case 'drained':
        if (report.itemId === this.playingItem) this.playingItem = null;
        if (this.awaitingClear || !this.pcmSpeaking) return;
        this.clearHold();
        this.holdTimer = setTimeout(this.endHold, SPEAKING_HOLD_MS);
        return;
      case 'underrun':
        this.underrunCount = report.underruns;
        return;
    }
  };

  private readonly endHold = (): void => {
    this.holdTimer = null;
    this.pcmSpeaking = false;
    this.rawLevel = 0;
    this.updateSpeaking();
  };

  private readonly pollStream = (): void => {
    const state = this.stream;
    if (!state) return;
    const loud = levelFromRms(this.readStreamRms()) >= STREAM_SPEAKING_LEVEL;
    const now = this.context.currentTime;
    if (loud) state.lastLoud = now;
    const speaking = loud || now - state.lastLoud < SPEAKING_HOLD_MS / 1000;
    if (speaking !== this.streamSpeaking) {
      this.streamSpeaking = speaking;
      this.updateSpeaking();
    }
  };

  /** One frame of the call's remote track: to the live lane, and into the level and `speaking`. */
  private onStreamFrame(state: NonNullable<NpcVoice['stream']>, pcm: Float32Array, rateHz: number): void {
    if (this.stream !== state || this.destroyed) return;
    state.level = smoothLevel(state.level, rms(pcm));
    state.lastFrameMs = performance.now();
    this.send({ type: 'live', pcm, rateHz }, [pcm.buffer as ArrayBuffer]);
    this.pollStream();
  }

  private readStreamRms(): number {
    const state = this.stream;
    if (state?.reader) return performance.now() - state.lastFrameMs < STREAM_STALE_MS ? state.level : 0;
    if (!state?.analyser) return 0;
    state.analyser.getFloatTimeDomainData(state.samples);
    state.level = smoothLevel(state.level, rms(state.samples));
    return state.level;
  }

  private detachStream(): void {
    const state = this.stream;
    if (!state) return;
    this.stream = null;
    if (state.poll !== null) clearInterval(state.poll);
    if (state.onAddTrack) state.stream.removeEventListener('addtrack', state.onAddTrack);
    if (state.reader) {
      state.reader.stop();
      this.send({ type: 'clear-live' });
    }
    state.source?.disconnect();
    state.analyser?.disconnect();
    if (this.streamSpeaking) {
      this.streamSpeaking = false;
      this.updateSpeaking();
    }
  }

  private freezePlayed(itemId: string): void {
    const frozen = (this.playedMs(itemId) * this.context.sampleRate) / 1000;
    const record = this.played.get(itemId);
    if (record) this.played.set(itemId, { frames: frozen, frame: record.frame });
  }

  private updateSpeaking(): void {
    const speaking = !this.destroyed && (this.pcmSpeaking || this.streamSpeaking);
    if (speaking === this.speakingNow) return;
    this.speakingNow = speaking;
    this.init.onSpeakingChange(this, speaking);
    for (const fn of [...this.listeners]) fn(speaking);
  }

  private clearHold(): void {
    if (this.holdTimer !== null) clearTimeout(this.holdTimer);
    this.holdTimer = null;
  }

  private send(command: PlayerCommand, transfer: Transferable[] = []): void {
    this.player.port.postMessage(command, transfer);
  }
}

/** Drops the oldest entries of an insertion-ordered map beyond MAX_TRACKED_ITEMS. */
function prune<V>(map: Map<string, V>): void {
  while (map.size > MAX_TRACKED_ITEMS) {
    const oldest = map.keys().next().value;
    if (oldest === undefined) return;
    map.delete(oldest);
  }
}
