// The message protocol between NpcVoice (main thread) and the `npc-stream-player` worklet, typed on both ends.

/** Name the stream player processor is registered under. */
export const STREAM_PLAYER_PROCESSOR = 'npc-stream-player';

/** Main thread → worklet. */
export type PlayerCommand =
  | { type: 'push'; itemId: string; pcm: Int16Array }
  /** One frame of a WebRTC remote track (mono float samples at `rateHz`), for the live lane. */
  | { type: 'live'; pcm: Float32Array; rateHz: number }
  /** `clear` drops both lanes (barge-in); `clear-live` only the live lane (the call's stream was let go). */
  | { type: 'clear' }
  | { type: 'clear-live' }
  | { type: 'dispose' };

/**
 * Worklet → main thread. `played`: for each item that advanced, `samples` output frames (at `sampleRate`) rendered
 * so far, with `frame` the worklet's currentFrame just after them (the main thread extrapolates from it), and the
 * smoothed output RMS `level`.
 */
export type PlayerReport =
  | { type: 'played'; items: { itemId: string; samples: number }[]; frame: number; sampleRate: number; level: number }
  | { type: 'started'; itemId: string; frame: number }
  | { type: 'drained'; itemId: string; frame: number }
  | { type: 'underrun'; itemId: string; underruns: number }
  | { type: 'cleared' };

/** Options passed as `processorOptions` when creating the player node. */
export interface PlayerProcessorOptions {
  inputRateHz?: number;
  startThresholdMs?: number;
  maxStartWaitMs?: number;
}
