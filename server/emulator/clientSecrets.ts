import { z } from 'zod';
import type { KeyStore } from './keyStore.js';
import { PROTOCOL_ERRORS, protocolError, restErrorBody, type RestErrorBody } from './realtime/protocolErrors.js';
import { DEFAULT_MAX_INSTRUCTIONS_CHARS, initialSession, transcriptionPatchError } from './realtime/SessionState.js';

/** OpenAI's REST error shape. */
export type OpenAIErrorBody = RestErrorBody;

const ClientSecretRequestSchema = z.strictObject({
  expires_after: z
    .strictObject({
      anchor: z.literal('created_at'),
      seconds: z.number().int().min(10).max(7200),
    })
    .optional(),
  session: z
    .looseObject({
      type: z.enum(['realtime', 'transcription']),
      model: z.string().min(1).optional(),
    })
    .optional(),
});

/** The emulator's answer to a client-secret request: 200 with the secret, or an error status and body. */
export type ClientSecretResult =
  | { status: 200; body: { value: string; expires_at: number; session: Record<string, unknown> } }
  | { status: 400; body: OpenAIErrorBody };

/**
 * Issues an `ek_…` key like `POST /v1/realtime/client_secrets`: validates the body, fills the session's defaults and
 * remembers the key with its config so `/v1/realtime` can accept it.
 */
export function issueClientSecret(
  body: unknown,
  keyStore: KeyStore,
  options: { defaultModel: string; personaId?: string; maxInstructionsChars?: number },
): ClientSecretResult {
  const parsed = ClientSecretRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue && issue.path.length > 0 ? issue.path.join('.') : null;
    return {
      status: 400,
      body: restErrorBody(protocolError('invalid_value', `Invalid request: ${issue?.message ?? 'bad body'}${param ? ` (at ${param})` : ''}`, { param })),
    };
  }
  const instructions = parsed.data.session?.instructions;
  const maxInstructions = options.maxInstructionsChars ?? DEFAULT_MAX_INSTRUCTIONS_CHARS;
  if (typeof instructions === 'string' && instructions.length > maxInstructions) {
    return { status: 400, body: restErrorBody(PROTOCOL_ERRORS.mintInstructionsTooLong(maxInstructions, instructions.length)) };
  }
  const ttlSeconds = parsed.data.expires_after?.seconds ?? 600;
  const requested = parsed.data.session ?? { type: 'realtime' as const };
  const unknown = requested.type === 'transcription' ? transcriptionPatchError(requested) : null;
  if (unknown) return { status: 400, body: restErrorBody(unknown) };
  const session = initialSession(requested.type, requested.model ?? options.defaultModel, requested);
  const key = keyStore.issue(session, ttlSeconds, options.personaId);
  return { status: 200, body: { value: key.value, expires_at: key.expiresAt, session: { ...session, expires_at: key.expiresAt } } };
}
