// Types of the AudioWorkletGlobalScope, which TypeScript's DOM lib does not describe. Exported (not global) so the
// worklet globals such as `sampleRate` cannot leak into main-thread code by accident; worklet files read them from
// `globalThis` through `AudioWorkletScope`.

/** The base class every AudioWorklet processor extends. */
export declare class AudioWorkletProcessorBase {
  /** The worklet side of the node's MessagePort. */
  readonly port: MessagePort;
  constructor(options?: AudioWorkletNodeOptions);
}

/** One render quantum's buffers: `[input or output index][channel][frame]`. */
export type AudioBuffers = Float32Array[][];

/** What a processor class looks like to `registerProcessor`. */
export interface AudioWorkletProcessorConstructor {
  new (options?: AudioWorkletNodeOptions): AudioWorkletProcessorBase & {
    process(inputs: AudioBuffers, outputs: AudioBuffers, parameters: Record<string, Float32Array>): boolean;
  };
}

/** The globals of an AudioWorkletGlobalScope. */
export interface AudioWorkletScope {
  readonly AudioWorkletProcessor: typeof AudioWorkletProcessorBase;
  registerProcessor(name: string, processorCtor: AudioWorkletProcessorConstructor): void;
  /** The context's sample rate (Hz). */
  readonly sampleRate: number;
  /** Frame index of the render quantum being processed. */
  readonly currentFrame: number;
  /** Context time (s) of the render quantum being processed. */
  readonly currentTime: number;
}
