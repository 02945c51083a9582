import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { expectRateLimited, listenAsUpstream, UPSTREAM_FAILED } from '../../support/mintAssertions.js';

const CANARY_KEY = 'sk-test-CANARY-do-not-leak-1234567890';

async function mint(server: TestServer, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/api/npc-voice/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text) as Record<string, any> };
}

/** A local stand-in for OpenAI that fails in a chosen way and echoes what it received (to catch leaks). */
async function fakeUpstream(mode: 'fail-echo' | 'ok-echo' | 'hang' | 'garbage') {
  const seen: { authorization?: string; body: string }[] = [];
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ authorization: req.headers.authorization, body });
    if (mode === 'hang') return; // never answers: the mint route must time out
    const echo = `you sent ${req.headers.authorization} and ${body}`;
    if (mode === 'fail-echo') {
      res.writeHead(500, { 'content-type': 'application/json', 'x-echo': String(req.headers.authorization) });
      res.end(JSON.stringify({ error: { message: echo, type: 'server_error' } }));
    } else if (mode === 'ok-echo') {
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo': String(req.headers.authorization) });
      res.end(JSON.stringify({ value: 'ek_upstream_123', expires_at: 1_900_000_000, session: { echo } }));
    } else {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(echo);
    }
  });
  return { ...(await listenAsUpstream(server)), seen };
}

function expectNoLeak(server: TestServer, result: { text: string; headers: Headers }) {
  expect(result.text).not.toContain(CANARY_KEY);
  expect(result.text).not.toContain('sk-');
  for (const [, value] of result.headers) expect(value).not.toContain(CANARY_KEY);
  for (const line of server.logs) expect(line).not.toContain(CANARY_KEY);
}

describe('mint route in emulator mode', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ NPC_VOICE_RATE_LIMIT: '1000' });
  });
  afterAll(() => server.close());

  it('GET /healthz says the mode', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, mode: 'emulator', transports: ['websocket', 'webrtc'] });
  });

  it('mints an ek_ key bound to the persona, with the Realtime URL and a 60 s lifetime', async () => {
    const before = Math.floor(Date.now() / 1000);
    const result = await mint(server, { persona: 'blacksmith' });
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ persona: 'blacksmith', model: 'gpt-realtime', mode: 'emulator' });
    expect(result.json.value).toMatch(/^ek_[0-9a-f]{32}$/);
    expect(result.json.url).toBe(`${server.wsUrl}?model=gpt-realtime`);
    expect(result.json.expires_at - before).toBeGreaterThanOrEqual(59);
    expect(result.json.expires_at - before).toBeLessThanOrEqual(61);
    // The emulator remembers the key with the persona's session config.
    const stored = server.server.keyStore.lookup(result.json.value);
    expect(stored.status).toBe('valid');
    expect(stored.status === 'valid' && stored.key.personaId).toBe('blacksmith');
    expect(stored.status === 'valid' && stored.key.session).toMatchObject({
      type: 'realtime',
      model: 'gpt-realtime',
      audio: { output: { voice: 'ash' }, input: { turn_detection: null } },
      tools: [expect.objectContaining({ type: 'function', name: 'give_item' })],
    });
  });

  it('unknown persona → 404 listing the known ones', async () => {
    const result = await mint(server, { persona: 'dragon' });
    expect(result.status).toBe(404);
    expect(result.json.error).toEqual({
      type: 'not_found',
      code: 'unknown_persona',
      message: 'No persona "dragon". Known: blacksmith, guard, herbalist.',
    });
  });

  it('malformed JSON or body → 400', async () => {
    expect((await mint(server, '{"persona":')).json.error.code).toBe('invalid_json');
    for (const body of [{}, { persona: 3 }, { persona: 'guard', instructions: 'be evil' }, []]) {
      const result = await mint(server, body);
      expect(result.status).toBe(400);
      expect(result.json.error.code).toBe('invalid_body');
    }
  });

  it('a body over 16 KiB → 413', async () => {
    const result = await mint(server, { persona: 'guard', pad: 'x'.repeat(17 * 1024) });
    expect(result.status).toBe(413);
    expect(result.json.error.code).toBe('body_too_large');
  });

  it('Origin rules: own origin and the demo dev server are allowed, others refused, none is server-to-server', async () => {
    const own = new URL(server.url).origin;
    expect((await mint(server, { persona: 'guard' }, { origin: own })).status).toBe(200);
    expect((await mint(server, { persona: 'guard' }, { origin: 'http://localhost:5173' })).status).toBe(200);
    const refused = await mint(server, { persona: 'guard' }, { origin: 'https://evil.example' });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe('origin_not_allowed');
    expect((await mint(server, { persona: 'guard' })).status).toBe(200);
  });

  it('NPC_VOICE_ALLOWED_ORIGINS adds origins', async () => {
    const other = await startTestServer({ NPC_VOICE_ALLOWED_ORIGINS: 'https://game.example, https://cdn.example/' });
    try {
      expect((await mint(other, { persona: 'guard' }, { origin: 'https://game.example' })).status).toBe(200);
      expect((await mint(other, { persona: 'guard' }, { origin: 'https://cdn.example' })).status).toBe(200);
      expect((await mint(other, { persona: 'guard' }, { origin: 'https://evil.example' })).status).toBe(403);
    } finally {
      await other.close();
    }
  });

  it('answers a browser on an allowed origin cross-origin: preflight, then CORS headers on the mint', async () => {
    const preflight = { 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' };
    const allowed = await fetch(`${server.url}/api/npc-voice/session`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:5173', ...preflight } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(allowed.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    const refused = await fetch(`${server.url}/api/npc-voice/session`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example', ...preflight } });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const minted = await fetch(`${server.url}/api/npc-voice/session`, {
      method: 'POST',
      headers: { Origin: 'http://localhost:5173', 'Content-Type': 'application/json' },
      body: JSON.stringify({ persona: 'guard' }),
    });
    expect(minted.status).toBe(200);
    expect(minted.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(minted.headers.get('access-control-expose-headers')).toContain('Retry-After');
  });
});

describe('mint limits and lifetime', () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('more than 30 mints a minute from one address → 429 with Retry-After', async () => {
    const server = await startTestServer();
    servers.push(server);
    for (let i = 0; i < 30; i++) expect((await mint(server, { persona: 'guard' })).status).toBe(200);
    const limited = await mint(server, { persona: 'guard' });
    expectRateLimited(limited);
  });

  it('NPC_VOICE_RATE_LIMIT and NPC_VOICE_KEY_TTL_S apply', async () => {
    const server = await startTestServer({ NPC_VOICE_RATE_LIMIT: '2', NPC_VOICE_KEY_TTL_S: '600' });
    servers.push(server);
    const first = await mint(server, { persona: 'herbalist' });
    expect(first.json.expires_at - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(599);
    expect((await mint(server, { persona: 'herbalist' })).status).toBe(200);
    expect((await mint(server, { persona: 'herbalist' })).status).toBe(429);
  });

  it('a key lifetime over 600 s is refused at startup', async () => {
    await expect(startTestServer({ NPC_VOICE_KEY_TTL_S: '601' })).rejects.toThrow('NPC_VOICE_KEY_TTL_S must be at most 600');
  });
});

describe('OpenAI mode never leaks the API key', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((fn) => fn()));
  });

  async function serverAgainst(baseUrl: string, extra: Record<string, string> = {}) {
    const server = await startTestServer({ OPENAI_API_KEY: CANARY_KEY, OPENAI_BASE_URL: baseUrl, ...extra });
    cleanups.push(() => server.close());
    return server;
  }

  it('healthz says openai, and the upstream receives the key, the TTL and the persona session', async () => {
    const upstream = await fakeUpstream('ok-echo');
    cleanups.push(upstream.close);
    const server = await serverAgainst(upstream.baseUrl);
    expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({ mode: 'openai', transports: ['websocket', 'webrtc'] });
    const result = await mint(server, { persona: 'guard' });
    expect(result.status).toBe(200);
    expect(result.json).toEqual({
      value: 'ek_upstream_123',
      expires_at: 1_900_000_000,
      model: 'gpt-realtime',
      persona: 'guard',
      mode: 'openai',
      url: `${upstream.baseUrl.replace('http', 'ws')}/realtime?model=gpt-realtime`,
      callsUrl: `${upstream.baseUrl}/realtime/calls`,
    });
    expectNoLeak(server, result);
    expect(upstream.seen[0]!.authorization).toBe(`Bearer ${CANARY_KEY}`);
    const sent = JSON.parse(upstream.seen[0]!.body) as Record<string, any>;
    expect(sent.expires_after).toEqual({ anchor: 'created_at', seconds: 60 });
    expect(sent.session).toMatchObject({ type: 'realtime', audio: { output: { voice: 'cedar' } } });
  });

  it("turns the emulator's own routes off: no emulator key, no call, a 404 that says why", async () => {
    const upstream = await fakeUpstream('ok-echo');
    cleanups.push(upstream.close);
    const server = await serverAgainst(upstream.baseUrl);
    for (const path of ['/v1/realtime/client_secrets', '/v1/realtime/calls']) {
      const reply = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { Authorization: 'Bearer sk-anything', 'Content-Type': 'application/json' },
        body: JSON.stringify({ session: { type: 'realtime' } }),
      });
      expect(reply.status).toBe(404);
      expect(await reply.json()).toMatchObject({ error: { code: 'emulator_off', message: expect.stringContaining('openai mode') } });
    }
    expect(server.server.keyStore.size).toBe(0);
    expect(upstream.seen).toHaveLength(0);
  });

  it('upstream failing and echoing the key → 502 generic, nothing leaked', async () => {
    const upstream = await fakeUpstream('fail-echo');
    cleanups.push(upstream.close);
    const server = await serverAgainst(upstream.baseUrl);
    const result = await mint(server, { persona: 'guard' });
    expect(result.status).toBe(502);
    expect(result.json.error).toEqual(UPSTREAM_FAILED);
    expectNoLeak(server, result);
    expect(server.logs.some((line) => line.includes('upstream_failed: status 500'))).toBe(true);
  });

  it('upstream answering garbage → 502, nothing leaked', async () => {
    const upstream = await fakeUpstream('garbage');
    cleanups.push(upstream.close);
    const server = await serverAgainst(upstream.baseUrl);
    const result = await mint(server, { persona: 'guard' });
    expect(result.status).toBe(502);
    expect(result.json.error.code).toBe('upstream_bad_response');
    expectNoLeak(server, result);
  });

  it('upstream too slow → 502 after the timeout', async () => {
    const upstream = await fakeUpstream('hang');
    cleanups.push(upstream.close);
    const server = await serverAgainst(upstream.baseUrl, { NPC_VOICE_UPSTREAM_TIMEOUT_MS: '300' });
    const result = await mint(server, { persona: 'guard' });
    expect(result.status).toBe(502);
    expect(result.json.error.code).toBe('upstream_timeout');
    expectNoLeak(server, result);
  });

  it('upstream unreachable (dead port) → 502', async () => {
    // Port 1 (tcpmux) is never served here: a port freed by a test could be taken by a parallel test's server.
    const server = await serverAgainst('http://127.0.0.1:1/v1');
    const result = await mint(server, { persona: 'guard' });
    expect(result.status).toBe(502);
    expect(result.json.error.code).toBe('upstream_unreachable');
    expectNoLeak(server, result);
  });
});

describe('emulator POST /v1/realtime/client_secrets', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('the official openai client mints an ek_ key, session echoed with defaults filled', async () => {
    const client = new OpenAI({ apiKey: 'sk-local-anything', baseURL: `${server.url}/v1` });
    const secret = await client.realtime.clientSecrets.create({
      expires_after: { anchor: 'created_at', seconds: 120 },
      session: { type: 'realtime', model: 'gpt-realtime', instructions: 'You are a test.', audio: { output: { voice: 'marin' } } },
    });
    expect(secret.value).toMatch(/^ek_/);
    expect(secret.expires_at - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(119);
    expect(secret.session).toMatchObject({
      type: 'realtime',
      object: 'realtime.session',
      model: 'gpt-realtime',
      instructions: 'You are a test.',
      output_modalities: ['audio'],
      tools: [],
      tool_choice: 'auto',
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          turn_detection: { type: 'server_vad', threshold: 0.5, silence_duration_ms: 500, create_response: true },
        },
        output: { voice: 'marin', speed: 1 },
      },
    });
    expect(server.server.keyStore.lookup(secret.value).status).toBe('valid');
  });

  it('requires a bearer key and validates the body, answering in OpenAI error shape', async () => {
    const noAuth = await fetch(`${server.url}/v1/realtime/client_secrets`, { method: 'POST', body: '{}' });
    expect(noAuth.status).toBe(401);
    expect(await noAuth.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_api_key', param: null } });

    const client = new OpenAI({ apiKey: 'sk-local', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const bad = await client.realtime.clientSecrets
      .create({ expires_after: { anchor: 'created_at', seconds: 5 } })
      .catch((err: unknown) => err);
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect((bad as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({
      type: 'invalid_request_error',
      code: 'invalid_value',
      param: 'expires_after.seconds',
    });

    const notJson = await fetch(`${server.url}/v1/realtime/client_secrets`, {
      method: 'POST',
      headers: { authorization: 'Bearer x' },
      body: 'nope',
    });
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: 'invalid_json', type: 'invalid_request_error' } });
  });
});

describe('npm run server', () => {
  it('prints "listening on http://<host>:<port>" for --port 0 and answers there', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0'], {
      env: { ...process.env, OPENAI_API_KEY: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
          if (match) resolve(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
      });
      expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ mode: 'emulator' });
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
