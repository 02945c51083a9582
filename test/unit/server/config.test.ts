import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../../server/config.js';

const KEY = 'sk-test-config-0123456789';

function configError(env: Record<string, string>): ConfigError {
  try {
    readConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('readConfig accepted the environment');
}

describe('readConfig: mode', () => {
  it('runs the emulator without a key outside production, and OpenAI with one', () => {
    expect(readConfig({}).mode).toBe('emulator');
    expect(readConfig({ NODE_ENV: 'development' }).mode).toBe('emulator');
    expect(readConfig({ OPENAI_API_KEY: KEY }).mode).toBe('openai');
    expect(readConfig({ OPENAI_API_KEY: KEY, NODE_ENV: 'production' }).mode).toBe('openai');
  });

  it('follows NPC_VOICE_MODE, even with a key set', () => {
    expect(readConfig({ NPC_VOICE_MODE: 'emulator', OPENAI_API_KEY: KEY }).mode).toBe('emulator');
    expect(readConfig({ NPC_VOICE_MODE: 'openai', OPENAI_API_KEY: KEY }).mode).toBe('openai');
    expect(readConfig({ NPC_VOICE_MODE: 'emulator', NODE_ENV: 'production' }).mode).toBe('emulator');
  });

  it('refuses to start in production with no key and no mode, saying how to fix it', () => {
    const err = configError({ NODE_ENV: 'production' });
    expect(err.code).toBe('invalid_config');
    expect(err.message).toContain('OPENAI_API_KEY is not set and NODE_ENV=production');
    expect(err.message).toContain('NPC_VOICE_MODE=emulator');
  });

  it('refuses NPC_VOICE_MODE=openai without a key, and an unknown mode', () => {
    expect(configError({ NPC_VOICE_MODE: 'openai' }).message).toBe('NPC_VOICE_MODE=openai needs OPENAI_API_KEY: set it to your OpenAI API key (sk-…)');
    expect(configError({ NPC_VOICE_MODE: 'real' }).message).toBe('NPC_VOICE_MODE: NPC_VOICE_MODE must be "openai" or "emulator"');
  });

  it('allows the dev server origins in emulator mode outside production only', () => {
    expect(readConfig({}).allowDevOrigins).toBe(true);
    expect(readConfig({ OPENAI_API_KEY: KEY }).allowDevOrigins).toBe(false);
    expect(readConfig({ NPC_VOICE_MODE: 'emulator', NODE_ENV: 'production' }).allowDevOrigins).toBe(false);
  });
});

describe('readConfig: port, public URL, proxy', () => {
  it('takes PORT from the environment, the --port flag winning over it', () => {
    expect(readConfig({}).port).toBe(8787);
    expect(readConfig({ PORT: '3000' }).port).toBe(3000);
    expect(readConfig({ PORT: '3000' }, { port: 0 }).port).toBe(0);
    expect(configError({ PORT: '70000' }).message).toBe('PORT: PORT must be at most 65535');
    expect(configError({ PORT: 'eighty' }).message).toContain('PORT: PORT must be a number');
  });

  it('reads NPC_VOICE_PUBLIC_URL without its trailing slash, and refuses a non-http one', () => {
    expect(readConfig({}).publicUrl).toBeUndefined();
    expect(readConfig({ NPC_VOICE_PUBLIC_URL: 'https://game.example/voice/' }).publicUrl).toBe('https://game.example/voice');
    expect(configError({ NPC_VOICE_PUBLIC_URL: 'game.example' }).message).toContain('NPC_VOICE_PUBLIC_URL must be an http:// or https:// URL');
    expect(configError({ NPC_VOICE_PUBLIC_URL: 'ftp://game.example' }).message).toContain('NPC_VOICE_PUBLIC_URL');
  });

  it('trusts the proxy only with NPC_VOICE_TRUST_PROXY=1', () => {
    expect(readConfig({}).trustProxy).toBe(false);
    expect(readConfig({ NPC_VOICE_TRUST_PROXY: '1' }).trustProxy).toBe(true);
    expect(readConfig({ NPC_VOICE_TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(configError({ NPC_VOICE_TRUST_PROXY: 'yes' }).message).toBe('NPC_VOICE_TRUST_PROXY: NPC_VOICE_TRUST_PROXY must be 1 or 0');
  });
});

describe('readConfig: record and replay', () => {
  it('takes the cassette directories of NPC_VOICE_RECORD and NPC_VOICE_REPLAY (unset: none)', () => {
    expect(readConfig({})).toMatchObject({ recordDir: undefined, replayDir: undefined });
    expect(readConfig({ NPC_VOICE_RECORD: ' cassettes ' }).recordDir).toBe('cassettes');
    expect(readConfig({ NPC_VOICE_REPLAY: 'test/cassettes' }).replayDir).toBe('test/cassettes');
  });

  it('refuses both at once, and either in openai mode, naming the variable and the fix', () => {
    expect(configError({ NPC_VOICE_RECORD: 'a', NPC_VOICE_REPLAY: 'b' }).message).toBe(
      'NPC_VOICE_RECORD and NPC_VOICE_REPLAY cannot both be set: record sessions first, then replay the directory',
    );
    expect(configError({ OPENAI_API_KEY: KEY, NPC_VOICE_RECORD: 'a' }).message).toMatch(/^NPC_VOICE_RECORD needs the emulator: .*set NPC_VOICE_MODE=emulator$/);
    expect(configError({ OPENAI_API_KEY: KEY, NPC_VOICE_REPLAY: 'b' }).message).toMatch(/^NPC_VOICE_REPLAY needs the emulator/);
    expect(configError({ NPC_VOICE_RECORD: '   ' }).message).toBe('NPC_VOICE_RECORD: NPC_VOICE_RECORD must be a directory path');
  });
});

describe('readConfig: relay mode', () => {
  it('is off by default, on with NPC_VOICE_RELAY=1 or --relay (the flag winning), and refuses another value', () => {
    expect(readConfig({}).relay).toBe(false);
    expect(readConfig({ NPC_VOICE_RELAY: '1' }).relay).toBe(true);
    expect(readConfig({ NPC_VOICE_RELAY: '0' }, { relay: true }).relay).toBe(true);
    expect(configError({ NPC_VOICE_RELAY: 'yes' }).message).toBe('NPC_VOICE_RELAY: NPC_VOICE_RELAY must be 1 or 0');
  });
});
