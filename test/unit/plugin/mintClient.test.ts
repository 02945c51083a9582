import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MintError } from '../../../plugin/errors.js';
import { backoffDelayMs, DEFAULT_BACKOFF } from '../../../plugin/session/backoff.js';
import { MintClient, parseRetryAfterMs } from '../../../plugin/session/mintClient.js';

// A real HTTP server on port 0 answering per path, so the client's real fetch and header parsing are exercised.
type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
const routes: Record<string, Handler> = {
  '/ok': (_req, body, res) => {
    const { persona } = JSON.parse(body) as { persona: string };
    json(res, 200, { value: 'ek_test_123', expires_at: 1_900_000_000, model: 'gpt-realtime', persona, url: 'ws://127.0.0.1:1/v1/realtime' });
  },
  '/unknown-persona': (_req, _body, res) =>
    json(res, 404, { error: { type: 'invalid_request_error', code: 'unknown_persona', message: 'no persona "nobody"' } }),
  '/rate-limited': (_req, _body, res) => {
    res.setHeader('Retry-After', '7');
    json(res, 429, { error: { type: 'rate_limit_error', code: 'rate_limited', message: 'slow down' } });
  },
  '/server-error': (_req, _body, res) => {
    res.writeHead(502, { 'Content-Type': 'text/plain' });
    res.end('upstream exploded');
  },
  '/leaks-api-key': (_req, _body, res) => json(res, 200, { value: 'sk-proj-secret', expires_at: 1, model: 'm', persona: 'p', url: 'ws://x/' }),
};

function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(value));
}

let server: Server;
let base: string;
const seen: Array<{ method: string | undefined; contentType: string | undefined; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method, contentType: req.headers['content-type'], body });
      const handler = routes[req.url ?? ''];
      if (handler) handler(req, body, res);
      else json(res, 404, { error: { type: 'not_found', message: 'no route' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function mintError(path: string): Promise<MintError> {
  const err = await new MintClient({ endpoint: base + path }).mint('blacksmith').catch((e: unknown) => e);
  if (!(err instanceof MintError)) throw new Error(`expected a MintError, got ${String(err)}`);
  return err;
}

describe('MintClient', () => {
  it('posts the persona id as JSON and returns the ephemeral key', async () => {
    const key = await new MintClient({ endpoint: `${base}/ok` }).mint('blacksmith');
    expect(key).toEqual({ value: 'ek_test_123', expiresAt: 1_900_000_000, model: 'gpt-realtime', persona: 'blacksmith', url: 'ws://127.0.0.1:1/v1/realtime' });
    expect(seen.at(-1)).toEqual({ method: 'POST', contentType: 'application/json', body: '{"persona":"blacksmith"}' });
  });

  it('turns an API error body into a MintError with the status and the server code', async () => {
    const err = await mintError('/unknown-persona');
    expect([err.status, err.code, err.retryAfterMs]).toEqual([404, 'unknown_persona', null]);
    expect(err.message).toContain('no persona "nobody"');
  });

  it('honours Retry-After on 429', async () => {
    const err = await mintError('/rate-limited');
    expect([err.status, err.code, err.retryAfterMs]).toEqual([429, 'rate_limited', 7000]);
  });

  it('reports a non-JSON error page with an http_<status> code', async () => {
    const err = await mintError('/server-error');
    expect([err.status, err.code]).toEqual([502, 'http_502']);
  });

  it('refuses a body that is not an ephemeral key (never hands an sk- key to the SDK)', async () => {
    const err = await mintError('/leaks-api-key');
    expect(err.code).toBe('invalid_response');
    expect(err.message).toContain('value');
    expect(err.message).not.toContain('sk-proj-secret');
  });

  it('reports an unreachable endpoint as a network error with status 0', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await new MintClient({ endpoint: `http://127.0.0.1:${port}/x` }).mint('blacksmith').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MintError);
    expect(err instanceof MintError && [err.status, err.code]).toEqual([0, 'network_error']);
  });
});

describe('parseRetryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('3')).toBe(3000);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10_000);
    expect(parseRetryAfterMs('soon')).toBeNull();
    expect(parseRetryAfterMs(null)).toBeNull();
  });
});

describe('backoffDelayMs', () => {
  const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };
  it('doubles per attempt up to the cap', () => {
    expect([1, 2, 3, 4, 10].map((a) => backoffDelayMs(a, noJitter))).toEqual([500, 1000, 2000, 4000, 15_000]);
  });

  it('jitters within ±jitter of the delay', () => {
    const opts = { ...DEFAULT_BACKOFF, jitter: 0.2 };
    expect(backoffDelayMs(3, opts, null, () => 0)).toBe(1600);
    expect(backoffDelayMs(3, opts, null, () => 1)).toBe(2400);
  });

  it('never retries sooner than Retry-After', () => {
    expect(backoffDelayMs(1, noJitter, 7000)).toBe(7000);
    expect(backoffDelayMs(5, noJitter, 10)).toBe(8000);
  });
});
