import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../../server/config.js';
import { SessionAdmission } from '../../../server/emulator/SessionAdmission.js';
import { createOriginPolicy } from '../../../server/originPolicy.js';

describe('SessionAdmission', () => {
  it('caps sessions per key and per address, and gives slots back once (release is idempotent)', () => {
    const admission = new SessionAdmission({ maxPerKey: 1, maxPerClient: 2 });
    expect(admission.check('ek_a', '10.0.0.1')).toBeNull();
    const a = admission.acquire('ek_a', '10.0.0.1');
    expect(admission.check('ek_a', '10.0.0.9')?.message).toContain('with this key (limit 1');
    const b = admission.acquire('ek_b', '10.0.0.1');
    expect(admission.check('ek_c', '10.0.0.1')?.message).toContain('from this client (limit 2');
    expect(admission.check('ek_c', '10.0.0.2')).toBeNull();
    a.release();
    a.release();
    expect(admission.check('ek_a', '10.0.0.2')).toBeNull();
    // The double release above must not have freed b's address slot as well.
    admission.acquire('ek_d', '10.0.0.1');
    expect(admission.check('ek_e', '10.0.0.1')).not.toBeNull();
    b.release();
    expect(admission.check('ek_e', '10.0.0.1')).toBeNull();
  });
});

describe('createOriginPolicy', () => {
  it("allows a game's dev server on any loopback port only when told to (emulator mode outside production)", () => {
    expect(createOriginPolicy(() => [], []).allows('http://localhost:5173')).toBe(false);
    expect(createOriginPolicy(() => [], []).allows('http://localhost:8080')).toBe(false);
    const dev = createOriginPolicy(() => [], [], { dev: true });
    for (const origin of ['http://127.0.0.1:5173', 'http://localhost:8080', 'http://[::1]:3000']) expect(dev.allows(origin), origin).toBe(true);
    for (const origin of ['https://localhost.evil.example', 'http://localhost.evil.example:8080', 'http://10.0.0.2:8080']) expect(dev.allows(origin), origin).toBe(false);
  });

  it("allows the server's own origins, the dev server, configured extras and no Origin at all; nothing else", () => {
    let own: string[] = [];
    const policy = createOriginPolicy(() => own, ['https://game.example'], { dev: true });
    own = ['http://127.0.0.1:4000'];
    expect(policy.allows(undefined)).toBe(true);
    expect(policy.allows('http://127.0.0.1:4000/')).toBe(true);
    expect(policy.allows('http://localhost:5173')).toBe(true);
    expect(policy.allows('https://game.example')).toBe(true);
    expect(policy.allows('https://evil.example')).toBe(false);
    expect(policy.allows('null')).toBe(false);
    expect(createOriginPolicy(() => own, ['https://game.example']).allows('http://127.0.0.1:4001')).toBe(false);
  });
});

describe('readConfig limits', () => {
  it('has the documented defaults', () => {
    const config = readConfig({});
    expect(config).toMatchObject({
      maxSessionsPerKey: 4,
      maxSessionsPerClient: 20,
      maxInstructionsChars: 32_768,
      maxUtteranceChars: 300,
      ttsWorkers: 1,
      maxSessionAudioBytes: 8 * 1024 * 1024,
      wsIdleTimeoutMs: 600_000,
      wsPingIntervalMs: 30_000,
      keySweepIntervalMs: 60_000,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
    });
  });

  it('refuses a headers timeout longer than the request timeout, naming both variables', () => {
    expect(() => readConfig({ NPC_VOICE_HEADERS_TIMEOUT_MS: '5000', NPC_VOICE_REQUEST_TIMEOUT_MS: '1000' })).toThrow(ConfigError);
    expect(() => readConfig({ NPC_VOICE_HEADERS_TIMEOUT_MS: '5000', NPC_VOICE_REQUEST_TIMEOUT_MS: '1000' })).toThrow(/NPC_VOICE_REQUEST_TIMEOUT_MS/);
    expect(() => readConfig({ NPC_VOICE_TTS_WORKERS: '0' })).toThrow(/NPC_VOICE_TTS_WORKERS must be at least 1/);
  });
});
