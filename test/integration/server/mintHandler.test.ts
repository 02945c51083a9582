import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyStore } from '../../../server/emulator/keyStore.js';
import { createMintHandler, DEFAULT_PERSONA_DIR, toNodeListener, type MintHandler, type MintHandlerOptions } from '../../../server/index.js';
import { expectRateLimited, listenAsUpstream, UPSTREAM_FAILED } from '../../support/mintAssertions.js';

const FAKE_KEY = 'sk-test-mint-handler-CANARY-0123456789';
const GAME = 'https://game.example';

/** A local stand-in for OpenAI's `POST /v1/realtime/client_secrets`; `fail` makes it echo the key in a 500. */
async function fakeOpenAi() {
  const seen: { authorization: string | undefined; body: Record<string, any> }[] = [];
  const state = { fail: false };
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ authorization: req.headers.authorization, body: JSON.parse(body) as Record<string, any> });
    if (req.url !== '/v1/realtime/client_secrets' || state.fail) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `bad key ${req.headers.authorization}` } }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ value: `ek_fake_${seen.length}`, expires_at: 1_900_000_000 }));
  });
  return { ...(await listenAsUpstream(server)), seen, state };
}

type Upstream = Awaited<ReturnType<typeof fakeOpenAi>>;

/** The handlers each host mounts: the default path, a tight rate limit, and one behind the game's login. */
function handlers(upstream: Upstream, logs: string[]): { main: MintHandler; limited: MintHandler; login: MintHandler } {
  const common: MintHandlerOptions = {
    personas: DEFAULT_PERSONA_DIR,
    upstream: { apiKey: FAKE_KEY, baseUrl: upstream.baseUrl },
    origins: [GAME],
    keyTtlSeconds: 120,
    log: (line) => logs.push(line),
  };
  return {
    main: createMintHandler({ ...common, rateLimit: { perMinute: 1000 } }),
    limited: createMintHandler({ ...common, path: '/limited/session', rateLimit: { perMinute: 2 } }),
    login: createMintHandler({
      ...common,
      path: '/login/session',
      authorize: (request) => {
        const auth = request.headers.get('authorization');
        if (auth === 'Bearer banned') return new Response('{"error":"banned"}', { status: 403, headers: { 'content-type': 'application/json' } });
        return auth === 'Bearer player-token' ? 'player-7' : null;
      },
    }),
  };
}

/** createMintHandler in a plain Node `http` server, through toNodeListener. */
async function nodeHost(upstream: Upstream, logs: string[]) {
  const { main, limited, login } = handlers(upstream, logs);
  const listeners = { main: toNodeListener(main), limited: toNodeListener(limited), login: toNodeListener(login) };
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/limited/')) listeners.limited(req, res);
    else if (path.startsWith('/login/')) listeners.login(req, res);
    else listeners.main(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
}

/** createMintHandler in a Hono app served by @hono/node-server, the main one under a route prefix. */
async function honoHost(upstream: Upstream, logs: string[]) {
  const { main, limited, login } = handlers(upstream, logs);
  const app = new Hono();
  const context = (c: Parameters<typeof getConnInfo>[0]) => ({ clientAddress: getConnInfo(c).remote.address ?? 'unknown' });
  app.all('/game/api/npc-voice/*', (c) => main(c.req.raw, context(c)));
  app.all('/limited/*', (c) => limited(c.req.raw, context(c)));
  app.all('/login/*', (c) => login(c.req.raw, context(c)));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as http.Server;
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => closeServer(server) };
}

function closeServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

describe.each([
  { host: 'node http via toNodeListener', start: nodeHost, mintPath: '/api/npc-voice/session' },
  { host: 'a Hono app under a route prefix', start: honoHost, mintPath: '/game/api/npc-voice/session' },
])('createMintHandler in $host', ({ start, mintPath }) => {
  let upstream: Upstream;
  let host: { url: string; close(): Promise<void> };
  const logs: string[] = [];
  const answers: string[] = [];

  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${host.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    answers.push(text, ...[...response.headers].map(([name, value]) => `${name}: ${value}`));
    return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as Record<string, any> };
  }

  beforeAll(async () => {
    upstream = await fakeOpenAi();
    host = await start(upstream, logs);
  });
  afterAll(async () => {
    await host.close();
    await upstream.close();
  });

  it('mints a key from upstream with the persona session, answering every field', async () => {
    const result = await post(mintPath, { persona: 'guard' }, { origin: GAME });
    expect(result.status).toBe(200);
    expect(result.json).toEqual({
      value: expect.stringMatching(/^ek_fake_\d+$/),
      expires_at: 1_900_000_000,
      model: 'gpt-realtime',
      persona: 'guard',
      mode: 'openai',
      url: `${upstream.baseUrl.replace('http', 'ws')}/realtime?model=gpt-realtime`,
      callsUrl: `${upstream.baseUrl}/realtime/calls`,
    });
    expect(result.headers.get('access-control-allow-origin')).toBe(GAME);
    const sent = upstream.seen.at(-1)!;
    expect(sent.authorization).toBe(`Bearer ${FAKE_KEY}`);
    expect(sent.body.expires_after).toEqual({ anchor: 'created_at', seconds: 120 });
    expect(sent.body.session).toMatchObject({ type: 'realtime', model: 'gpt-realtime', audio: { output: { voice: 'cedar' } } });
    expect(logs).toContain('minted a 120 s key for persona guard (openai)');
  });

  it('answers the preflight of an allowed origin, allowing the headers its fetch sends and credentials', async () => {
    const response = await fetch(`${host.url}${mintPath}`, {
      method: 'OPTIONS',
      headers: { Origin: GAME, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, authorization, x-game-token' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(GAME);
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase().split(/\s*,\s*/)).toEqual(
      expect.arrayContaining(['content-type', 'authorization', 'x-game-token']),
    );
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('refuses another origin with 403 and no CORS headers', async () => {
    const result = await post(mintPath, { persona: 'guard' }, { origin: 'https://evil.example' });
    expect(result.status).toBe(403);
    expect(result.json.error.code).toBe('origin_not_allowed');
    expect(result.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers 404 for an unknown persona, naming the known ones', async () => {
    const result = await post(mintPath, { persona: 'dragon' });
    expect(result.status).toBe(404);
    expect(result.json.error).toMatchObject({ code: 'unknown_persona', message: 'No persona "dragon". Known: blacksmith, guard, herbalist.' });
  });

  it('answers 429 with Retry-After over the rate limit', async () => {
    expect((await post('/limited/session', { persona: 'guard' })).status).toBe(200);
    expect((await post('/limited/session', { persona: 'guard' })).status).toBe(200);
    const limited = await post('/limited/session', { persona: 'guard' });
    expectRateLimited(limited);
  });

  it("asks the game's login: 401 without a player, its own Response as given, and the player id answered and logged", async () => {
    const before = upstream.seen.length;
    const anonymous = await post('/login/session', { persona: 'guard' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json.error.code).toBe('not_authorized');
    const banned = await post('/login/session', { persona: 'guard' }, { authorization: 'Bearer banned' });
    expect(banned.status).toBe(403);
    expect(banned.json).toEqual({ error: 'banned' });
    expect(upstream.seen.length).toBe(before);
    const player = await post('/login/session', { persona: 'herbalist' }, { authorization: 'Bearer player-token', origin: GAME });
    expect(player.status).toBe(200);
    expect(player.json).toMatchObject({ persona: 'herbalist', player: 'player-7', value: expect.stringMatching(/^ek_fake_/) });
    expect(logs).toContain('minted a 120 s key for persona herbalist (openai) for player "player-7"');
  });

  it('answers 502 with a generic message when upstream fails echoing the key', async () => {
    upstream.state.fail = true;
    try {
      const result = await post(mintPath, { persona: 'blacksmith' });
      expect(result.status).toBe(502);
      expect(result.json.error).toEqual(UPSTREAM_FAILED);
      expect(logs.at(-1)).toBe('mint failed for persona blacksmith: upstream_failed: status 500');
    } finally {
      upstream.state.fail = false;
    }
  });

  it('never put an sk- key in a response body, a header or a log line', () => {
    // The tests above ran every path (200, preflight, 403, 404, 429, 401, 502); this reads all they got.
    expect(answers.length).toBeGreaterThan(20);
    expect(logs.length).toBeGreaterThan(3);
    for (const text of [...answers, ...logs]) expect(text).not.toContain('sk-');
  });
});

describe('createMintHandler answer URLs and rate-limit keys with the in-process emulator', () => {
  const keyStore = new KeyStore();
  afterAll(() => keyStore.close());
  const request = (url: string, headers: Record<string, string> = {}) =>
    new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"persona":"guard"}' });
  const answer = async (handler: MintHandler, req: Request, clientAddress = '10.0.0.1') => {
    const response = await handler(req, { clientAddress });
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  };

  it('follows the request URL: https gives wss', async () => {
    const handler = createMintHandler({ personas: DEFAULT_PERSONA_DIR, upstream: { emulator: keyStore } });
    const { status, json } = await answer(handler, request('https://voice.example:8443/api/npc-voice/session'));
    expect(status).toBe(200);
    expect(json).toMatchObject({ mode: 'emulator', url: 'wss://voice.example:8443/v1/realtime?model=gpt-realtime', callsUrl: 'https://voice.example:8443/v1/realtime/calls' });
    expect(keyStore.lookup(json.value).status).toBe('valid');
  });

  it('uses publicUrl when given, and X-Forwarded-Proto/-Host only with trustProxy', async () => {
    const behindProxy = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'game.example' };
    const fixed = createMintHandler({ personas: DEFAULT_PERSONA_DIR, upstream: { emulator: keyStore }, publicUrl: 'https://game.example/voice/' });
    expect((await answer(fixed, request('http://127.0.0.1:8787/api/npc-voice/session'))).json).toMatchObject({
      url: 'wss://game.example/voice/v1/realtime?model=gpt-realtime',
      callsUrl: 'https://game.example/voice/v1/realtime/calls',
    });
    const trusting = createMintHandler({ personas: DEFAULT_PERSONA_DIR, upstream: { emulator: keyStore }, trustProxy: true });
    expect((await answer(trusting, request('http://127.0.0.1:8787/api/npc-voice/session', behindProxy))).json.url).toBe(
      'wss://game.example/v1/realtime?model=gpt-realtime',
    );
    const untrusting = createMintHandler({ personas: DEFAULT_PERSONA_DIR, upstream: { emulator: keyStore } });
    expect((await answer(untrusting, request('http://127.0.0.1:8787/api/npc-voice/session', behindProxy))).json.url).toBe(
      'ws://127.0.0.1:8787/v1/realtime?model=gpt-realtime',
    );
  });

  it("keys the rate limit by X-Forwarded-For's first address with trustProxy, by the peer otherwise", async () => {
    const url = 'http://127.0.0.1/api/npc-voice/session';
    const from = (address: string) => ({ 'x-forwarded-for': `${address}, 10.9.9.9` });
    const trusting = createMintHandler({ personas: DEFAULT_PERSONA_DIR, upstream: { emulator: keyStore }, trustProxy: true, rateLimit: { perMinute: 1 } });
    expect((await answer(trusting, request(url, from('203.0.113.1')))).status).toBe(200);
    expect((await answer(trusting, request(url, from('203.0.113.1')))).status).toBe(429);
    expect((await answer(trusting, request(url, from('203.0.113.2')))).status).toBe(200);
    const untrusting = createMintHandler({ personas: DEFAULT_PERSONA_DIR, upstream: { emulator: keyStore }, rateLimit: { perMinute: 1 } });
    expect((await answer(untrusting, request(url, from('203.0.113.1')))).status).toBe(200);
    expect((await answer(untrusting, request(url, from('203.0.113.2')))).status).toBe(429);
    expect((await answer(untrusting, request(url, from('203.0.113.2')), '10.0.0.2')).status).toBe(200);
  });

  it('answers 404 off its path and 405 for other methods on it', async () => {
    const handler = createMintHandler({ personas: DEFAULT_PERSONA_DIR, upstream: { emulator: keyStore } });
    expect((await handler(new Request('http://127.0.0.1/api/npc-voice/sessions', { method: 'POST' }))).status).toBe(404);
    const get = await handler(new Request('http://127.0.0.1/api/npc-voice/session'));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('refuses bad options at construction', () => {
    const base = { personas: DEFAULT_PERSONA_DIR, upstream: { emulator: keyStore } };
    expect(() => createMintHandler({ ...base, keyTtlSeconds: 601 })).toThrow('keyTtlSeconds must be a whole number from 10 to 600');
    expect(() => createMintHandler({ ...base, path: 'api' })).toThrow('path must start with "/"');
    expect(() => createMintHandler({ ...base, publicUrl: 'game.example' })).toThrow('publicUrl must be an http:// or https:// URL');
    expect(() => createMintHandler({ personas: [{ id: 'x' }], upstream: { emulator: keyStore } })).toThrow('invalid personas');
  });
});
