import { expect } from 'vitest';

/** A mint answer as the tests read it. */
export interface MintResult {
  status: number;
  headers: Headers;
  json: Record<string, any>;
}

/** The error every upstream failure answers with: generic, never upstream's own words. */
export const UPSTREAM_FAILED = {
  type: 'upstream_error',
  code: 'upstream_failed',
  message: 'The voice service could not issue a key right now. Try again shortly.',
};

/** Checks a 429 from the mint route: its code, and a `Retry-After` within the one-minute window. */
export function expectRateLimited(result: MintResult): void {
  expect(result.status).toBe(429);
  expect(result.json.error.code).toBe('too_many_requests');
  const retryAfter = Number(result.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}
