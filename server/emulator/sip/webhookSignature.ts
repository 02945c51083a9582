import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Oldest (or furthest in the future) a webhook's timestamp may be, as the `openai` client checks it. */
export const WEBHOOK_TOLERANCE_S = 300;

/** The headers a signed webhook carries (the Standard Webhooks scheme OpenAI signs with). */
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** A new signing secret in OpenAI's format: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The HMAC key of a secret: a `whsec_` secret is base64, any other string is used as its UTF-8 bytes (as `openai` does). */
function secretKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

function signature(secret: string, id: string, timestamp: string, body: string): string {
  return createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/** Signs a webhook body: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, verifiable by `openai.webhooks.unwrap`. */
export function signWebhook(secret: string, body: string, now: () => number = Date.now): WebhookHeaders {
  const id = `wh_${randomBytes(12).toString('hex')}`;
  const timestamp = String(Math.floor(now() / 1000));
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature(secret, id, timestamp, body)}` };
}

/**
 * Checks a webhook's signature and age; returns why it is refused, or null when it is genuine. A signature header may
 * hold several space-separated `v1,<sig>` values (a rotated secret): any one matching is enough.
 */
export function verifyWebhook(
  secret: string,
  body: string,
  headers: (name: string) => string | undefined,
  now: () => number = Date.now,
): string | null {
  const id = headers('webhook-id');
  const timestamp = headers('webhook-timestamp');
  const signed = headers('webhook-signature');
  if (!id || !timestamp || !signed) return 'missing webhook-id, webhook-timestamp or webhook-signature header';
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds)) return 'webhook-timestamp is not a Unix time in seconds';
  if (Math.abs(now() / 1000 - seconds) > WEBHOOK_TOLERANCE_S) return `webhook-timestamp is more than ${WEBHOOK_TOLERANCE_S} s away`;
  const expected = Buffer.from(signature(secret, id, timestamp, body), 'base64');
  for (const part of signed.split(' ')) {
    const [version, value] = part.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return null;
  }
  return 'no webhook-signature matches';
}
