// Reads the audio frames of a WebRTC remote track on the main thread, so the NPC's voice plays them through its
// stream player's live lane. Chromium never collects a MediaStreamAudioSourceNode while its AudioContext runs
// (one left per call, disconnected and its track stopped or not); a track processor and its reader go with the call.

/** One audio frame of a track (WebCodecs `AudioData`, the part read here). */
interface TrackAudioFrame {
  readonly numberOfFrames: number;
  readonly sampleRate: number;
  copyTo(destination: Float32Array, options: { planeIndex: number; format: 'f32-planar' }): void;
  close(): void;
}

/** Chromium's `MediaStreamTrackProcessor` (not in the DOM typings). */
type TrackProcessorConstructor = new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<TrackAudioFrame> };

function trackProcessor(): TrackProcessorConstructor | null {
  const ctor = (globalThis as { MediaStreamTrackProcessor?: unknown }).MediaStreamTrackProcessor;
  return typeof ctor === 'function' ? (ctor as TrackProcessorConstructor) : null;
}

/** Whether this browser can read a track's frames on the main thread (Chromium; elsewhere a source node plays it). */
export function canReadTrackFrames(): boolean {
  return trackProcessor() !== null;
}

/**
 * Delivers each frame of `track` as mono float samples (its first channel) with its rate, until stop() or the track
 * ends. Each delivered array is new: the receiver may transfer it.
 *
 * @example
 * const reader = new RemoteTrackReader(stream.getAudioTracks()[0], (pcm, rateHz) => player.live(pcm, rateHz));
 * reader.stop(); // the call ended
 */
export class RemoteTrackReader {
  private reader: ReadableStreamDefaultReader<TrackAudioFrame> | null;

  /** @throws TypeError where canReadTrackFrames() is false. */
  constructor(track: MediaStreamTrack, onFrame: (pcm: Float32Array, rateHz: number) => void) {
    const Processor = trackProcessor();
    if (!Processor) throw new TypeError('MediaStreamTrackProcessor is not available in this browser');
    this.reader = new Processor({ track }).readable.getReader();
    void this.pump(this.reader, onFrame);
  }

  /** Stops reading (the frames still in flight are closed unread). Idempotent. */
  stop(): void {
    const reader = this.reader;
    this.reader = null;
    reader?.cancel().catch(() => {});
  }

  private async pump(reader: ReadableStreamDefaultReader<TrackAudioFrame>, onFrame: (pcm: Float32Array, rateHz: number) => void): Promise<void> {
    try {
      for (;;) {
        const { value: frame, done } = await reader.read();
        if (done) return;
        try {
          if (this.reader !== reader) continue;
          const pcm = new Float32Array(frame.numberOfFrames);
          frame.copyTo(pcm, { planeIndex: 0, format: 'f32-planar' });
          onFrame(pcm, frame.sampleRate);
        } finally {
          frame.close();
        }
      }
    } catch {
      // The track ended or the reader was cancelled: nothing more to play.
    }
  }
}
