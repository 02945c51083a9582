// TLS on the emulator's port: the official `openai` client (which only speaks https/wss to a Realtime server) reaches
// the emulator when it trusts the printed certificate with NODE_EXTRA_CA_CERTS; plain http/ws keep working on the
// same port, and a client that does not trust the certificate is refused by its own TLS check.
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../../support/testServer.js';

const SCRIPT = fileURLToPath(new URL('./stockOpenaiClient.ts', import.meta.url));
const TSX = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));

let emu: TestServer;
let httpsUrl: string;
let ca: string;

beforeAll(async () => {
  // With the SIP interface on, the Calls API takes the developer's standard key (as call control does on the service).
  emu = await startTestServer({ NPC_VOICE_SIP_PORT: '0' });
  httpsUrl = emu.server.httpsUrl ?? '';
  ca = readFileSync(emu.server.tlsCertPath ?? '', 'utf8');
});
afterAll(() => emu?.close());

/** Runs the stock-client script in a fresh Node with `env`, and parses the JSON line it prints. */
function runStockClient(env: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [TSX, SCRIPT], { env: { ...process.env, ...env }, timeout: 60_000 }, (_error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        reject(new Error(`stock client printed no result: ${stdout} ${stderr}`));
      }
    });
  });
}

/** GET over https trusting `ca` (or not): the status, or the TLS error code. */
function httpsGet(url: string, trust: string | undefined): Promise<{ status?: number; error?: string; alpn?: string | false }> {
  return new Promise((resolve) => {
    // Offering h2 first: the server must pick HTTP/1.1, the only protocol its HTTP server (and a WebSocket upgrade) speaks.
    const agent = new https.Agent({ ALPNProtocols: ['h2', 'http/1.1'], ...(trust === undefined ? {} : { ca: trust }) });
    const req = https.get(url, { agent }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, alpn: (res.socket as import('node:tls').TLSSocket).alpnProtocol ?? false });
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

describe('TLS on the same port', () => {
  it('serves a loopback certificate valid for localhost, 127.0.0.1 and ::1', () => {
    expect(httpsUrl).toBe(emu.url.replace('http://', 'https://'));
    const x509 = new X509Certificate(ca);
    expect(x509.checkHost('localhost')).toBe('localhost');
    expect(x509.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x509.checkIP('::1')).toBe('::1');
  });

  it('the stock openai client mints over https and does a text turn over wss, trusting NODE_EXTRA_CA_CERTS', async () => {
    const result = await runStockClient({ BASE_URL: `${httpsUrl}/v1`, NODE_EXTRA_CA_CERTS: emu.server.tlsCertPath ?? '' });
    expect(result.error).toBeUndefined();
    expect(result).toMatchObject({ key: 'ek_', url: 'wss:' });
    expect(result.hangup).toMatch(/^404 /);
    // No persona: the session's own instructions speak ("You are a pirate named Bob").
    expect(result.reply).toMatch(/Bob/);
    expect(result.types).toEqual(expect.arrayContaining(['session.created', 'response.created', 'response.output_text.delta', 'response.done']));
  }, 90_000);

  it('without trusting the certificate the stock client is refused by its own TLS check', async () => {
    const result = await runStockClient({ BASE_URL: `${httpsUrl}/v1`, NODE_EXTRA_CA_CERTS: '' });
    expect(String(result.error)).toMatch(/certificate|self.signed|Connection error/i);
  }, 90_000);

  it('plain http and https answer on the same port, https negotiating HTTP/1.1', async () => {
    const plain = await fetch(`${emu.url}/healthz`);
    expect(plain.status).toBe(200);
    expect(await httpsGet(`${httpsUrl}/healthz`, ca)).toEqual({ status: 200, alpn: 'http/1.1' });
    expect((await httpsGet(`${httpsUrl}/healthz`, undefined)).error).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('a session opens over wss and over ws on the same port', async () => {
    for (const url of [emu.wsUrl, `${httpsUrl.replace('https', 'wss')}/v1/realtime`]) {
      const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${emu.mintKey('blacksmith')}` }, ca });
      const first = await new Promise<{ type: string }>((resolve, reject) => {
        ws.once('message', (data) => resolve(JSON.parse(String(data)) as { type: string }));
        ws.once('error', reject);
      });
      expect(first.type).toBe('session.created');
      ws.close();
    }
  });
});
