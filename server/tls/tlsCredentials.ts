import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, type TlsSetting } from '../config.js';
import { loopbackCertificate, type TlsCredentials } from './loopbackCertificate.js';

async function readPem(file: string, variable: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${variable}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * The certificate the server's TLS serves for `setting`: null when off, the loopback one (see
 * {@link loopbackCertificate}; in a folder of this start's own when the shared one cannot be written), or the
 * developer's files, checked to be a PEM certificate and its private key.
 * @throws ConfigError naming `NPC_VOICE_TLS_CERT` or `NPC_VOICE_TLS_KEY` for a file that is missing, not PEM, or a key
 *   that does not match the certificate.
 */
export async function tlsCredentials(setting: TlsSetting, certDir?: string): Promise<TlsCredentials | null> {
  if (setting.kind === 'off') return null;
  if (setting.kind === 'loopback') {
    try {
      return await loopbackCertificate(certDir);
    } catch {
      // The shared folder belongs to another user (or is not writable): a certificate of this start's own instead.
      return loopbackCertificate(await mkdtemp(path.join(tmpdir(), 'phaser-npc-voice-tls-')));
    }
  }
  const [cert, key] = await Promise.all([readPem(setting.certPath, 'NPC_VOICE_TLS_CERT'), readPem(setting.keyPath, 'NPC_VOICE_TLS_KEY')]);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new ConfigError(`NPC_VOICE_TLS_CERT: ${setting.certPath} is not a PEM certificate`);
  }
  let matches: boolean;
  try {
    matches = x509.checkPrivateKey(createPrivateKey(key));
  } catch {
    throw new ConfigError(`NPC_VOICE_TLS_KEY: ${setting.keyPath} is not a PEM private key (an encrypted key is not supported)`);
  }
  if (!matches) throw new ConfigError(`NPC_VOICE_TLS_KEY: ${setting.keyPath} is not the private key of ${setting.certPath}`);
  return { cert, key, certPath: path.resolve(setting.certPath) };
}
