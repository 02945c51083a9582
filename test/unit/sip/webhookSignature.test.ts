import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { inviteHeaders } from '../../../server/emulator/sip/SipEndpoint.js';
import { newWebhookSecret, signWebhook, verifyWebhook } from '../../../server/emulator/sip/webhookSignature.js';
import { dialledUser } from '../../../server/phone/phoneRoute.js';

const BODY = JSON.stringify({
  object: 'event',
  id: 'evt_1',
  type: 'realtime.call.incoming',
  created_at: 1_750_287_018,
  data: { call_id: 'rtc_1', sip_headers: [{ name: 'To', value: '<sip:blacksmith@127.0.0.1>' }], sip_media_security: 'rtp' },
});

describe('realtime.call.incoming signatures', () => {
  it("is verified by the official openai client's webhooks.unwrap, as OpenAI's own are", async () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const client = new OpenAI({ apiKey: 'unused', webhookSecret: secret });
    const event = await client.webhooks.unwrap(BODY, signWebhook(secret, BODY));
    expect(event).toMatchObject({ type: 'realtime.call.incoming', data: { call_id: 'rtc_1' } });
    await expect(client.webhooks.unwrap(BODY, signWebhook(newWebhookSecret(), BODY))).rejects.toThrow();
  });

  it('accepts its own signatures, any of several, and refuses tampered, stale or unsigned webhooks', () => {
    const secret = newWebhookSecret();
    const headers = signWebhook(secret, BODY);
    const read = (h: Record<string, string>) => (name: string) => h[name];
    expect(verifyWebhook(secret, BODY, read({ ...headers }))).toBeNull();
    expect(verifyWebhook(secret, BODY, read({ ...headers, 'webhook-signature': `v1,bm9wZQ== ${headers['webhook-signature']}` }))).toBeNull();
    expect(verifyWebhook(secret, BODY.replace('rtc_1', 'rtc_2'), read({ ...headers }))).toBe('no webhook-signature matches');
    expect(verifyWebhook(secret, BODY, read({ ...headers }), () => Date.now() + 301_000)).toBe('webhook-timestamp is more than 300 s away');
    expect(verifyWebhook(secret, BODY, read({}))).toMatch(/^missing webhook-id/);
  });
});

describe('the incoming call headers', () => {
  it("lists the INVITE's headers in order, unfolded, without credentials", () => {
    const invite = [
      'INVITE sip:blacksmith@127.0.0.1:5060 SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1',
      'From: <sip:player@127.0.0.1>;tag=1',
      'To: <sip:blacksmith@127.0.0.1:5060>',
      'Subject: a long',
      '  subject',
      'Authorization: Digest username="player"',
      'Call-ID: abc',
      '',
      'v=0',
    ].join('\r\n');
    expect(inviteHeaders(invite)).toEqual([
      { name: 'Via', value: 'SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1' },
      { name: 'From', value: '<sip:player@127.0.0.1>;tag=1' },
      { name: 'To', value: '<sip:blacksmith@127.0.0.1:5060>' },
      { name: 'Subject', value: 'a long subject' },
      { name: 'Call-ID', value: 'abc' },
    ]);
  });

  it('finds the dialled persona in the To header, whatever its form', () => {
    expect(dialledUser([{ name: 'To', value: '<sip:Blacksmith@127.0.0.1:5060>' }])).toBe('blacksmith');
    expect(dialledUser([{ name: 't', value: 'sip:guard@example.com' }])).toBe('guard');
    expect(dialledUser([{ name: 'To', value: '"Shop" <tel:+15551234;phone-context=x>' }])).toBe('+15551234');
    expect(dialledUser([{ name: 'From', value: '<sip:player@x>' }])).toBeUndefined();
  });
});
