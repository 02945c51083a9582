// The message protocol between MicCapture (main thread) and the `npc-mic-capture` worklet.

/** Name the mic capture processor is registered under. */
export const MIC_CAPTURE_PROCESSOR = 'npc-mic-capture';

/** Worklet → main thread: one chunk of PCM16 mono at `sampleRateHz`, and the RMS of its float samples. */
export interface MicChunk {
  type: 'chunk';
  pcm: Int16Array;
  rms: number;
}

/** Main thread → worklet. */
export type MicCommand = { type: 'dispose' };

/** Options passed as `processorOptions` when creating the capture node. */
export interface MicProcessorOptions {
  /** Output rate (default 24000, the Realtime API's `audio/pcm`). */
  outputRateHz?: number;
  /** Chunk length in ms (default 40). */
  chunkMs?: number;
}
