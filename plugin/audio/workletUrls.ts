// The worklet modules. `?worker&url` makes Vite bundle each worklet with its imports into one script and return its
// URL, in dev and after `vite build`; `new URL('./x.worklet.ts', import.meta.url)` breaks after a build (the file is
// copied untranspiled), see shared/reference/browser-testing.md §3. `?worklet-source` (the plugin in
// build/workletSource.ts) inlines the same bundled code as the fallback loadWorklet.ts uses when the URL answers 404,
// as it does when a game's dev server pre-bundles this package.
import type { WorkletModule } from './loadWorklet.js';
import micCaptureUrl from './micCapture.worklet.ts?worker&url';
import micCaptureSource from './micCapture.worklet.ts?worklet-source';
import streamPlayerUrl from './streamPlayer.worklet.ts?worker&url';
import streamPlayerSource from './streamPlayer.worklet.ts?worklet-source';

/** URL of the `npc-stream-player` AudioWorklet module, for `audioWorklet.addModule`. */
export const streamPlayerWorkletUrl: string = streamPlayerUrl;

/** URL of the `npc-mic-capture` AudioWorklet module, for `audioWorklet.addModule`. */
export const micCaptureWorkletUrl: string = micCaptureUrl;

/** The stream player worklet: its URL and its inlined code. */
export const streamPlayerWorklet: WorkletModule = { url: streamPlayerUrl, source: streamPlayerSource };

/** The mic capture worklet: its URL and its inlined code. */
export const micCaptureWorklet: WorkletModule = { url: micCaptureUrl, source: micCaptureSource };
