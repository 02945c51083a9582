import { afterEach, describe, expect, it } from 'vitest';
import { authenticate } from '../../../server/emulator/keyAuth.js';
import { KeyStore } from '../../../server/emulator/keyStore.js';

let now = 1_000_000;
const stores: KeyStore[] = [];
function store(): KeyStore {
  const keyStore = new KeyStore(() => now, { sweepIntervalMs: 0 });
  stores.push(keyStore);
  return keyStore;
}

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  now = 1_000_000;
});

describe('authenticate', () => {
  it('accepts a minted ek_ key from the Authorization header with its session and persona', () => {
    const keys = store();
    const key = keys.issue({ type: 'realtime', instructions: 'Be Brom.' }, 60, 'blacksmith');
    expect(authenticate({ authorization: `Bearer ${key.value}` }, keys, false)).toEqual({
      ok: true,
      key: key.value,
      session: { type: 'realtime', instructions: 'Be Brom.' },
      personaId: 'blacksmith',
    });
  });

  it("accepts a browser's key from the openai-insecure-api-key subprotocol, and prefers the header", () => {
    const keys = store();
    const browser = keys.issue({ type: 'realtime' }, 60);
    const header = keys.issue({ type: 'realtime' }, 60, 'guard');
    const protocols = ['realtime', `openai-insecure-api-key.${browser.value}`];
    expect(authenticate({ protocols }, keys, false)).toMatchObject({ ok: true, key: browser.value });
    expect(authenticate({ protocols }, keys, false)).not.toHaveProperty('personaId');
    expect(authenticate({ authorization: `Bearer ${header.value}`, protocols }, keys, false)).toMatchObject({ ok: true, key: header.value, personaId: 'guard' });
  });

  it('refuses a missing key, an unknown ek_ key and an expired one, with messages that never repeat the key', () => {
    const keys = store();
    const key = keys.issue({ type: 'realtime' }, 10);
    expect(authenticate({}, keys, false)).toMatchObject({ ok: false, reason: 'missing', error: { code: 'missing_api_key' } });
    expect(authenticate({ authorization: 'Bearer ' }, keys, false)).toMatchObject({ ok: false, reason: 'missing' });
    const unknown = authenticate({ authorization: 'Bearer ek_forged' }, keys, false);
    expect(unknown).toMatchObject({ ok: false, reason: 'unknown', error: { code: 'invalid_api_key' } });
    expect(JSON.stringify(unknown)).not.toContain('ek_forged');
    now += 11_000;
    const expired = authenticate({ authorization: `Bearer ${key.value}` }, keys, false);
    expect(expired).toMatchObject({ ok: false, reason: 'expired', error: { code: 'invalid_api_key', message: expect.stringContaining('expired') } });
    expect(JSON.stringify(expired)).not.toContain(key.value);
  });

  it('refuses other keys unless any bearer is accepted, and still checks ek_ keys then', () => {
    const keys = store();
    expect(authenticate({ authorization: 'Bearer sk-test' }, keys, false)).toMatchObject({ ok: false, reason: 'not_issued', error: { code: 'invalid_api_key' } });
    expect(authenticate({ authorization: 'Bearer sk-test' }, keys, true)).toEqual({ ok: true, key: 'sk-test' });
    expect(authenticate({ authorization: 'Bearer ek_forged' }, keys, true)).toMatchObject({ ok: false, reason: 'unknown' });
  });
});
