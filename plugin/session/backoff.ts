/** Reconnect backoff settings. */
export interface BackoffOptions {
  /** First delay. */
  baseMs: number;
  /** Upper bound of any delay. */
  maxMs: number;
  /** Attempts after which the session gives up (state `error`). */
  maxAttempts: number;
  /** Fraction of the delay randomised, in [0, 1]: 0.2 → ±20 %. */
  jitter: number;
}

/** Defaults: 0.5 s, 1 s, 2 s … capped at 15 s, 8 attempts, ±20 % jitter. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 15_000, maxAttempts: 8, jitter: 0.2 };

/**
 * Delay before reconnect attempt `attempt` (1-based): exponential, jittered so many NPCs don't reconnect in step,
 * capped, and never shorter than a server's `Retry-After`.
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  retryAfterMs: number | null = null,
  random: () => number = Math.random,
): number {
  const exp = options.baseMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(options.maxMs, exp);
  const jittered = capped * (1 + options.jitter * (random() * 2 - 1));
  const delay = Math.min(options.maxMs, Math.max(0, Math.round(jittered)));
  return retryAfterMs !== null && Number.isFinite(retryAfterMs) ? Math.max(delay, retryAfterMs) : delay;
}
