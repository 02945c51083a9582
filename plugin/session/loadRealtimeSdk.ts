/** The lazily loaded SDK module (see realtimeSdk.ts). */
export type RealtimeSdk = typeof import('./realtimeSdk.js');

let loading: Promise<RealtimeSdk> | null = null;

/**
 * Loads the Realtime SDK on first use; later calls share the same promise. A failed load is forgotten so the next
 * connection attempt retries (e.g. after a flaky network).
 */
export function loadRealtimeSdk(): Promise<RealtimeSdk> {
  if (!loading) {
    loading = import('./realtimeSdk.js').catch((err: unknown) => {
      loading = null;
      throw err;
    });
  }
  return loading;
}

/**
 * Starts loading the SDK when the browser is idle, so the first conversation does not wait for it. Returns a
 * function that cancels the prefetch if it has not started.
 */
export function prefetchRealtimeSdk(): () => void {
  const ric = (globalThis as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number }).requestIdleCallback;
  const cic = (globalThis as { cancelIdleCallback?: (id: number) => void }).cancelIdleCallback;
  if (typeof ric !== 'function') return () => {};
  const id = ric(() => {
    // A failed prefetch is not an error: the real load retries and reports failures through the session.
    loadRealtimeSdk().catch(() => {});
  }, { timeout: 5000 });
  return () => cic?.(id);
}
