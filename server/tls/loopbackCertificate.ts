import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';

/** A certificate and its private key (PEM), and where the certificate is on disk (for `NODE_EXTRA_CA_CERTS`). */
export interface TlsCredentials {
  cert: string;
  key: string;
  certPath: string;
}

const VALIDITY_DAYS = 825;
/** A cached certificate that expires sooner than this is replaced. */
const RENEW_BEFORE_MS = 7 * 24 * 3600 * 1000;
const CERT_FILE = 'cert.pem';
const KEY_FILE = 'key.pem';

/** Default folder of the generated certificate: the same for every start, so a client trusts it once. */
export const DEFAULT_CERT_DIR = path.join(tmpdir(), 'phaser-npc-voice-tls');

/** Whether `cert` names every loopback address, stays valid for a while yet and belongs to `key`. */
function usable(cert: string, key: string, now: number): boolean {
  try {
    const x509 = new X509Certificate(cert);
    if (Date.parse(x509.validTo) - now < RENEW_BEFORE_MS || Date.parse(x509.validFrom) > now) return false;
    const names = x509.checkHost('localhost') !== undefined && x509.checkIP('127.0.0.1') !== undefined && x509.checkIP('::1') !== undefined;
    return names && x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    return false;
  }
}

async function readPair(dir: string): Promise<{ cert: string; key: string } | null> {
  try {
    const [cert, key] = await Promise.all([readFile(path.join(dir, CERT_FILE), 'utf8'), readFile(path.join(dir, KEY_FILE), 'utf8')]);
    return { cert, key };
  } catch {
    return null;
  }
}

async function newPair(now: number): Promise<{ cert: string; key: string }> {
  const pems = await generate([{ name: 'commonName', value: 'phaser-npc-voice loopback' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + VALIDITY_DAYS * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}

/**
 * A self-signed certificate for `localhost`, `127.0.0.1` and `::1` (EC P-256, SHA-256), generated once and kept in
 * `dir/current/` (`cert.pem`, `key.pem`), so it stays the same across restarts and a client trusts it once
 * (`NODE_EXTRA_CA_CERTS=<dir>/current/cert.pem`). Replaced when it is about to expire or does not parse. Servers
 * starting at once agree on one certificate: each prepares a pair in a folder of its own and renames it into place,
 * which only the first rename wins.
 * @throws when `dir` cannot be created or written.
 */
export async function loopbackCertificate(dir: string = DEFAULT_CERT_DIR, now: number = Date.now()): Promise<TlsCredentials> {
  const current = path.join(dir, 'current');
  const certPath = path.join(current, CERT_FILE);
  const existing = await readPair(current);
  if (existing && usable(existing.cert, existing.key, now)) return { ...existing, certPath };
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (existing) {
    const stale = path.join(dir, `stale-${randomBytes(6).toString('hex')}`);
    if (await rename(current, stale).then(() => true, () => false)) await rm(stale, { recursive: true, force: true });
  }
  const pair = await newPair(now);
  const staging = path.join(dir, `staging-${randomBytes(6).toString('hex')}`);
  await mkdir(staging, { mode: 0o700 });
  await writeFile(path.join(staging, KEY_FILE), pair.key, { mode: 0o600 });
  await writeFile(path.join(staging, CERT_FILE), pair.cert, { mode: 0o644 });
  try {
    await rename(staging, current);
    return { ...pair, certPath };
  } catch {
    // Another start renamed its pair first: use that one, so every server of this machine serves the same.
    await rm(staging, { recursive: true, force: true });
    const winner = await readPair(current);
    if (winner && usable(winner.cert, winner.key, now)) return { ...winner, certPath };
    throw new Error(`could not set up the loopback TLS certificate in ${current}`);
  }
}
