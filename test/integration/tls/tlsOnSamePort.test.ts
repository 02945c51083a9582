// serveTlsOnSamePort on a bare HTTP server over real sockets: both kinds of connection answered, the ones that send
// nothing (or stall in their handshake) dropped, a distrusting client leaving the server fine.
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackCertificate, type TlsCredentials } from '../../../server/tls/loopbackCertificate.js';
import { serveTlsOnSamePort, type TlsOnSamePort } from '../../../server/tls/tlsOnSamePort.js';

let server: http.Server;
let tlsPort: TlsOnSamePort;
let credentials: TlsCredentials;
let port: number;
const dir = mkdtempSync(path.join(tmpdir(), 'npc-voice-tls-port-'));

beforeAll(async () => {
  credentials = await loopbackCertificate(dir);
  server = http.createServer((req, res) => res.end(`${(req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http'} ${req.url ?? ''}`));
  tlsPort = serveTlsOnSamePort(server, { cert: credentials.cert, key: credentials.key, timeoutMs: 300 });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  tlsPort.destroyPending();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function get(url: string, ca?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https') ? https.get(url, { ca }) : http.get(url);
    request.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    });
    request.on('error', reject);
  });
}

describe('serveTlsOnSamePort', () => {
  it('answers http and https on one port, telling the handler which it was', async () => {
    expect(await get(`http://127.0.0.1:${port}/a`)).toBe('http /a');
    expect(await get(`https://127.0.0.1:${port}/b`, credentials.cert)).toBe('https /b');
    expect(await get(`https://localhost:${port}/c`, credentials.cert)).toBe('https /c');
  });

  it('drops a connection that sends nothing, and one that stalls in its TLS handshake', async () => {
    const silent = net.connect(port, '127.0.0.1');
    const stalled = net.connect(port, '127.0.0.1', () => stalled.write(Buffer.of(0x16, 0x03, 0x01)));
    await Promise.all([once(silent, 'close'), once(stalled, 'close')]);
    expect(await get(`http://127.0.0.1:${port}/after`)).toBe('http /after');
  });

  it('a client that does not trust the certificate fails its own check; the server answers the next one', async () => {
    await expect(get(`https://127.0.0.1:${port}/x`)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    expect(await get(`https://127.0.0.1:${port}/y`, credentials.cert)).toBe('https /y');
  });

  it('destroyPending drops connections still being sniffed (what closing the server does)', async () => {
    // A server of its own whose timeout cannot be what closes the connection.
    const patient = http.createServer((_req, res) => res.end('ok'));
    const patientTls = serveTlsOnSamePort(patient, { cert: credentials.cert, key: credentials.key, timeoutMs: 600_000 });
    patient.listen(0, '127.0.0.1');
    await once(patient, 'listening');
    const patientPort = (patient.address() as AddressInfo).port;
    const waiting = net.connect(patientPort, '127.0.0.1');
    await once(waiting, 'connect');
    // The server has accepted it once a request on a later connection is answered (accepts are in order).
    expect(await get(`http://127.0.0.1:${patientPort}/`)).toBe('ok');
    patient.closeAllConnections();
    patientTls.destroyPending();
    await once(waiting, 'close');
    await new Promise((resolve) => patient.close(resolve));
  });
});
