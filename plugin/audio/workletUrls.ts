// The worklet modules as URLs. `?worker&url` makes Vite bundle each worklet with its imports into one script and
// return its URL, in dev and after `vite build`; `new URL('./x.worklet.ts', import.meta.url)` breaks after a build
// (the file is copied untranspiled), see shared/reference/browser-testing.md §3.
import micCaptureUrl from './micCapture.worklet.ts?worker&url';
import streamPlayerUrl from './streamPlayer.worklet.ts?worker&url';

/** URL of the `npc-stream-player` AudioWorklet module, for `audioWorklet.addModule`. */
export const streamPlayerWorkletUrl: string = streamPlayerUrl;

/** URL of the `npc-mic-capture` AudioWorklet module, for `audioWorklet.addModule`. */
export const micCaptureWorkletUrl: string = micCaptureUrl;
