import type { MicSource, MicUnavailableReason } from '../audioBackend.js';
import { levelFromRms, smoothLevel } from './level.js';
import { loadWorkletModule, WorkletLoadError, type WorkletModule } from './loadWorklet.js';
import { PCM_RATE_HZ } from '../shared/pcm16.js';
import { MicUnavailableError } from './MicUnavailableError.js';
import { MIC_CAPTURE_PROCESSOR, type MicChunk, type MicCommand, type MicProcessorOptions } from './micCaptureMessages.js';
import { micCaptureWorklet } from './workletUrls.js';

/** Echo cancellation keeps the NPC's own voice out of the mic; the other two make quiet and noisy rooms usable. */
export const DEFAULT_MIC_CONSTRAINTS: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

/** Options of MicCapture.open. */
export interface MicCaptureOptions {
  /** Audio constraints for getUserMedia (tests turn processing off to assert levels). */
  constraints?: MediaTrackConstraints;
  /** Chunk length in ms (default 40). */
  chunkMs?: number;
  /** The capture worklet module (a URL, or a URL and its code as fallback); defaults to the bundled one (workletUrls.ts). */
  workletUrl?: string | WorkletModule;
  /** Where getUserMedia comes from (default `navigator.mediaDevices`). */
  mediaDevices?: Pick<MediaDevices, 'getUserMedia'>;
}

type ChunkListener = (pcm: Int16Array) => void;

/**
 * One microphone capture delivering PCM16 24 kHz mono chunks (~40 ms), its level, and its track (for cloning into
 * WebRTC sessions).
 *
 * @example
 * const mic = await MicCapture.open(ctx);
 * const off = mic.onChunk((pcm) => session.sendAudio(pcm));
 * mic.close();
 */
export class MicCapture implements MicSource {
  /** The microphone track; clone it per WebRTC session so muting one session leaves the others alone. */
  readonly track: MediaStreamTrack;
  private readonly stream: MediaStream;
  private readonly source: MediaStreamAudioSourceNode;
  private readonly node: AudioWorkletNode;
  private readonly sink: GainNode;
  private readonly listeners = new Set<ChunkListener>();
  private smoothed = 0;
  private closed = false;

  private constructor(stream: MediaStream, track: MediaStreamTrack, source: MediaStreamAudioSourceNode, node: AudioWorkletNode, sink: GainNode) {
    this.stream = stream;
    this.track = track;
    this.source = source;
    this.node = node;
    this.sink = sink;
    node.port.onmessage = this.onMessage;
  }

  /**
   * Asks for the microphone and starts capturing into `context`. A standalone function (no `this`), so it can be
   * passed around as `openMic: MicCapture.open`.
   *
   * @throws MicUnavailableError with `reason` 'denied', 'absent', 'blocked' or 'unsupported'; never anything else.
   */
  static async open(context: AudioContext, options: MicCaptureOptions = {}): Promise<MicCapture> {
    const devices = options.mediaDevices ?? (globalThis as { navigator?: { mediaDevices?: MediaDevices } }).navigator?.mediaDevices;
    if (!devices || typeof devices.getUserMedia !== 'function') {
      throw new MicUnavailableError('unsupported', 'this page cannot capture audio (no getUserMedia: needs https or localhost)');
    }
    // The worklet loads while the permission prompt (or the device) is opening: awaiting it after getUserMedia lost
    // the player's first quarter second or more. A failure is reported below, once there is a stream to stop.
    const workletLoaded = loadWorkletModule(context, options.workletUrl ?? micCaptureWorklet).then(
      () => null,
      (err: unknown) => ({ err }),
    );
    let stream: MediaStream;
    try {
      stream = await devices.getUserMedia({ audio: options.constraints ?? DEFAULT_MIC_CONSTRAINTS });
    } catch (err) {
      const reason = reasonOf(err);
      throw new MicUnavailableError(reason, `microphone unavailable (${reason}): ${messageOf(err)}`, { cause: err });
    }
    const stopAll = (): void => stream.getTracks().forEach((t) => t.stop());
    const track = stream.getAudioTracks()[0];
    if (!track) {
      stopAll();
      throw new MicUnavailableError('absent', 'getUserMedia returned no audio track');
    }
    try {
      const failed = await workletLoaded;
      if (failed) throw failed.err;
      const processorOptions: MicProcessorOptions = { outputRateHz: PCM_RATE_HZ };
      if (options.chunkMs !== undefined) processorOptions.chunkMs = options.chunkMs;
      const node = new AudioWorkletNode(context, MIC_CAPTURE_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1, processorOptions });
      const source = context.createMediaStreamSource(stream);
      // A node only renders while something pulls it; a silent gain into the destination does, in every browser.
      const sink = new GainNode(context, { gain: 0 });
      source.connect(node).connect(sink).connect(context.destination);
      return new MicCapture(stream, track, source, node, sink);
    } catch (err) {
      stopAll();
      if (err instanceof WorkletLoadError && err.kind === 'csp') throw new MicUnavailableError('blocked', `could not start audio capture: ${err.message}`, { cause: err });
      throw new MicUnavailableError('unsupported', `could not start audio capture: ${messageOf(err)}`, { cause: err });
    }
  }

  /** Receives every PCM16 24 kHz chunk; returns a function that removes the listener. */
  onChunk(cb: ChunkListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  /** Input level in [0, 1] (the same scale as NpcVoice.level), for a "you are heard" meter. */
  level(): number {
    return levelFromRms(this.smoothed);
  }

  /** Stops the microphone and disconnects the capture graph; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const dispose: MicCommand = { type: 'dispose' };
    this.node.port.postMessage(dispose);
    this.node.port.onmessage = null;
    this.node.port.close();
    this.source.disconnect();
    this.node.disconnect();
    this.sink.disconnect();
    this.stream.getTracks().forEach((t) => t.stop());
    this.listeners.clear();
    this.smoothed = 0;
  }

  private readonly onMessage = (event: MessageEvent<MicChunk>): void => {
    const chunk = event.data;
    if (chunk.type !== 'chunk') return;
    // Chunks are ~40 ms apart, so a softer attack than the per-quantum follower in the player.
    this.smoothed = smoothLevel(this.smoothed, chunk.rms, 0.7, 0.3);
    for (const fn of [...this.listeners]) fn(chunk.pcm);
  };
}

function reasonOf(err: unknown): MicUnavailableReason {
  const name = typeof err === 'object' && err !== null && 'name' in err ? (err as { name: unknown }).name : undefined;
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'denied';
  // NotReadableError: the device exists but another app holds it; to the player that is "no usable microphone".
  if (name === 'NotFoundError' || name === 'OverconstrainedError' || name === 'NotReadableError' || name === 'AbortError') return 'absent';
  return 'unsupported';
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
