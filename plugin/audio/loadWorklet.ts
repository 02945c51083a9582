// addModule() per context and module, once: several mixers or mic captures on one context share the load, and a
// failed load can be retried. Keyed by context in a WeakMap so nothing outlives the context (not a singleton).
const loads = new WeakMap<BaseAudioContext, Map<string, Promise<void>>>();

/**
 * An AudioWorklet module: where it is served and, as a fallback, its code. A game's dev server that pre-bundles this
 * package (Vite's `optimizeDeps`) moves the library but not the worklet files beside it, so the URL answers 404;
 * the code then loads from a `blob:` URL.
 */
export interface WorkletModule {
  /** The module's URL (a file emitted by the bundler, or one the game serves itself). */
  readonly url: string;
  /** The bundled module code, loaded from a `blob:` URL when `url` fails. */
  readonly source?: string;
}

/** The worklet module could not be loaded from its URL nor from its inlined code. */
export class WorkletLoadError extends Error {
  override readonly name = 'WorkletLoadError';
  /** `csp`: the page's Content-Security-Policy refused the module; `failed`: any other failure. */
  readonly kind: 'csp' | 'failed';
  constructor(kind: 'csp' | 'failed', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
  }
}

/**
 * Loads an AudioWorklet module into `context` once per URL: from `module.url`, else from its inlined `source`.
 *
 * @throws Error when the context has no audioWorklet (insecure origin, very old browser); WorkletLoadError when the
 *   module loads from neither place (naming a Content-Security-Policy when one refused it).
 */
export function loadWorkletModule(context: BaseAudioContext, module: WorkletModule | string): Promise<void> {
  const target: WorkletModule = typeof module === 'string' ? { url: module } : module;
  let byUrl = loads.get(context);
  if (!byUrl) {
    byUrl = new Map();
    loads.set(context, byUrl);
  }
  const existing = byUrl.get(target.url);
  if (existing) return existing;
  const worklet = (context as { audioWorklet?: AudioWorklet }).audioWorklet;
  const load = worklet
    ? addWithFallback(worklet, target)
    : Promise.reject(new Error('AudioWorklet is not available (it needs a secure context: https or localhost)'));
  const map = byUrl;
  const tracked = load.catch((err: unknown) => {
    map.delete(target.url);
    throw err;
  });
  map.set(target.url, tracked);
  return tracked;
}

/** A URL inside Vite's dependency pre-bundling folder. */
const PRE_BUNDLED = /\/\.vite\/deps(_[a-z]+)?\//;

async function addWithFallback(worklet: AudioWorklet, module: WorkletModule): Promise<void> {
  // Vite's pre-bundled copy of this package sits in `.vite/deps/`, where its worklet files never are: going straight
  // to the inlined code spares a 404 in the developer's console on every load.
  if (module.source === undefined || !PRE_BUNDLED.test(module.url)) {
    try {
      await worklet.addModule(module.url);
      return;
    } catch (first) {
      if (module.source === undefined) throw failure(false, module.url, first);
    }
  }
  const blobUrl = URL.createObjectURL(new Blob([module.source], { type: 'text/javascript' }));
  try {
    await worklet.addModule(blobUrl);
  } catch (second) {
    // Chromium reports no CSP violation to the document for a worklet: ask the same question of a blob: module in
    // the page (script-src governs both); refused too means the page's policy is the reason.
    throw failure(await blobScriptsBlocked(), `${module.url} nor from its inlined code`, second);
  } finally {
    URL.revokeObjectURL(blobUrl);
  }
}

function failure(cspBlocked: boolean, what: string, cause: unknown): WorkletLoadError {
  if (cspBlocked) {
    return new WorkletLoadError(
      'csp',
      "the page's Content-Security-Policy blocked the audio worklet (script-src refused blob:): allow blob: in script-src, or serve the worklet file from 'self' and pass its URL",
      { cause },
    );
  }
  const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  return new WorkletLoadError('failed', `could not load the audio worklet from ${what} (${detail})`, { cause });
}

/** Whether the page may not run scripts from `blob:` URLs (its Content-Security-Policy). */
async function blobScriptsBlocked(): Promise<boolean> {
  if ((globalThis as { document?: unknown }).document === undefined) return false;
  const url = URL.createObjectURL(new Blob(['export {};'], { type: 'text/javascript' }));
  try {
    await import(/* @vite-ignore */ url);
    return false;
  } catch {
    return true;
  } finally {
    URL.revokeObjectURL(url);
  }
}
