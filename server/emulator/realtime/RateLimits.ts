import type { ServerEventBody } from '../../../plugin/shared/protocol/serverEvents.js';

/** Requests a minute the emulator reports as a session's limit (it enforces none: the numbers show use). */
export const EMULATED_REQUESTS_PER_MINUTE = 5_000;
/** Tokens a minute the emulator reports as a session's limit. */
export const EMULATED_TOKENS_PER_MINUTE = 40_000;
const WINDOW_MS = 60_000;

/**
 * A session's `rate_limits.updated` after each `response.done`: `requests` and `tokens` limits a minute, with what the
 * session's responses of the last minute used taken off `remaining`, and `reset_seconds` until the oldest of them
 * leaves the window.
 */
export class RateLimits {
  private readonly used: { at: number; tokens: number }[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Records a finished response's total tokens and returns the event to send. */
  record(totalTokens: number): Extract<ServerEventBody, { type: 'rate_limits.updated' }> {
    const now = this.now();
    this.used.push({ at: now, tokens: totalTokens });
    while (this.used.length > 0 && (this.used[0]?.at ?? now) <= now - WINDOW_MS) this.used.shift();
    const oldest = this.used[0]?.at ?? now;
    const resetSeconds = Math.round((oldest + WINDOW_MS - now) / 10) / 100;
    const tokens = this.used.reduce((n, u) => n + u.tokens, 0);
    return {
      type: 'rate_limits.updated',
      rate_limits: [
        { name: 'requests', limit: EMULATED_REQUESTS_PER_MINUTE, remaining: Math.max(0, EMULATED_REQUESTS_PER_MINUTE - this.used.length), reset_seconds: resetSeconds },
        { name: 'tokens', limit: EMULATED_TOKENS_PER_MINUTE, remaining: Math.max(0, EMULATED_TOKENS_PER_MINUTE - tokens), reset_seconds: resetSeconds },
      ],
    };
  }
}
