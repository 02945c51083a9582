import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../../server/config.js';
import { loopbackCertificate } from '../../../server/tls/loopbackCertificate.js';
import { tlsCredentials } from '../../../server/tls/tlsCredentials.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'npc-voice-tls-test-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function configError(env: Record<string, string>): string {
  try {
    readConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('readConfig accepted it');
}

describe('TLS configuration', () => {
  it('is on (loopback certificate) in emulator mode and off in openai mode unless asked', () => {
    expect(readConfig({}).tls).toEqual({ kind: 'loopback' });
    expect(readConfig({ NPC_VOICE_TLS: 'off' }).tls).toEqual({ kind: 'off' });
    expect(readConfig({ OPENAI_API_KEY: 'sk-test' }).tls).toEqual({ kind: 'off' });
    expect(readConfig({ OPENAI_API_KEY: 'sk-test', NPC_VOICE_TLS: 'on' }).tls).toEqual({ kind: 'loopback' });
    expect(readConfig({ NPC_VOICE_TLS_CERT: 'c.pem', NPC_VOICE_TLS_KEY: 'k.pem' }).tls).toEqual({ kind: 'files', certPath: 'c.pem', keyPath: 'k.pem' });
  });

  it('names the variable for a bad value, a certificate without its key, or a certificate with TLS off', () => {
    expect(configError({ NPC_VOICE_TLS: 'maybe' })).toContain('NPC_VOICE_TLS must be on or off');
    expect(configError({ NPC_VOICE_TLS_CERT: 'c.pem' })).toMatch(/^NPC_VOICE_TLS_KEY is not set/);
    expect(configError({ NPC_VOICE_TLS_KEY: 'k.pem' })).toMatch(/^NPC_VOICE_TLS_CERT is not set/);
    expect(configError({ NPC_VOICE_TLS: 'off', NPC_VOICE_TLS_CERT: 'c.pem', NPC_VOICE_TLS_KEY: 'k.pem' })).toContain('NPC_VOICE_TLS=off');
  });
});

describe('loopbackCertificate', () => {
  it('is valid for localhost, 127.0.0.1 and ::1, and the same on the next start', async () => {
    const dir = tempDir();
    const first = await loopbackCertificate(dir);
    const x509 = new X509Certificate(first.cert);
    expect([x509.checkHost('localhost'), x509.checkIP('127.0.0.1'), x509.checkIP('::1')]).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(readFileSync(first.certPath, 'utf8')).toBe(first.cert);
    expect(await loopbackCertificate(dir)).toEqual(first);
  });

  it('servers starting at once agree on one certificate', async () => {
    const dir = tempDir();
    const all = await Promise.all([loopbackCertificate(dir), loopbackCertificate(dir), loopbackCertificate(dir)]);
    const onDisk = readFileSync(all[0]?.certPath ?? '', 'utf8');
    expect(all.map((c) => c.cert)).toEqual([onDisk, onDisk, onDisk]);
  });

  it('is replaced when it is about to expire', async () => {
    const dir = tempDir();
    const old = await loopbackCertificate(dir, Date.now() - 820 * 24 * 3600 * 1000);
    const renewed = await loopbackCertificate(dir);
    expect(renewed.cert).not.toBe(old.cert);
    expect(Date.parse(new X509Certificate(renewed.cert).validTo)).toBeGreaterThan(Date.now() + 800 * 24 * 3600 * 1000);
  });
});

describe('tlsCredentials from files', () => {
  it("reads the developer's certificate and key, and names the variable when a file is missing, not PEM or not the pair", async () => {
    const dir = tempDir();
    const a = await loopbackCertificate(path.join(dir, 'a'));
    const b = await loopbackCertificate(path.join(dir, 'b'));
    const file = (name: string, text: string): string => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const cert = file('cert.pem', a.cert);
    const key = file('key.pem', a.key);
    expect(await tlsCredentials({ kind: 'files', certPath: cert, keyPath: key })).toEqual({ cert: a.cert, key: a.key, certPath: cert });
    await expect(tlsCredentials({ kind: 'files', certPath: path.join(dir, 'none.pem'), keyPath: key })).rejects.toThrow(/^NPC_VOICE_TLS_CERT: cannot read .*ENOENT/);
    await expect(tlsCredentials({ kind: 'files', certPath: file('junk.pem', 'hello'), keyPath: key })).rejects.toThrow(/^NPC_VOICE_TLS_CERT: .* is not a PEM certificate/);
    await expect(tlsCredentials({ kind: 'files', certPath: cert, keyPath: file('junk-key.pem', 'hello') })).rejects.toThrow(/^NPC_VOICE_TLS_KEY: .* is not a PEM private key/);
    await expect(tlsCredentials({ kind: 'files', certPath: cert, keyPath: file('other.pem', b.key) })).rejects.toThrow(/^NPC_VOICE_TLS_KEY: .* is not the private key of/);
    expect(await tlsCredentials({ kind: 'off' })).toBeNull();
  });

  it('a loopback certificate folder that cannot be written (a file is in the way) gives a certificate of its own', async () => {
    const blocked = path.join(tempDir(), 'blocked');
    writeFileSync(blocked, 'not a folder');
    const own = await tlsCredentials({ kind: 'loopback' }, blocked);
    expect(own?.certPath.startsWith(blocked)).toBe(false);
    expect(readFileSync(own?.certPath ?? '', 'utf8')).toBe(own?.cert);
    dirs.push(path.dirname(path.dirname(own?.certPath ?? '')));
  });
});
