// addModule() per context and URL, once: several mixers or mic captures on one context share the load, and a
// failed load can be retried. Keyed by context in a WeakMap so nothing outlives the context (not a singleton).
const loads = new WeakMap<BaseAudioContext, Map<string, Promise<void>>>();

/**
 * Loads an AudioWorklet module into `context` once per URL.
 *
 * @throws Error when the context has no audioWorklet (insecure origin, very old browser) or the module fails to load.
 */
export function loadWorkletModule(context: BaseAudioContext, url: string): Promise<void> {
  let byUrl = loads.get(context);
  if (!byUrl) {
    byUrl = new Map();
    loads.set(context, byUrl);
  }
  const existing = byUrl.get(url);
  if (existing) return existing;
  const worklet = (context as { audioWorklet?: AudioWorklet }).audioWorklet;
  const load = worklet
    ? worklet.addModule(url)
    : Promise.reject(new Error('AudioWorklet is not available (it needs a secure context: https or localhost)'));
  const map = byUrl;
  const tracked = load.catch((err: unknown) => {
    map.delete(url);
    throw err;
  });
  map.set(url, tracked);
  return tracked;
}
