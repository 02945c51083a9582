import { once } from 'node:events';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
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

/**
 * Starts `server` on a free loopback port as a stand-in for OpenAI: its `/v1` base URL and a `close` that also drops
 * open connections.
 */
export async function listenAsUpstream(server: http.Server): Promise<{ baseUrl: string; close(): Promise<void> }> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
