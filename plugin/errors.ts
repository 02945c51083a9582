/**
 * Errors of the NPC voice plugin. Configuration mistakes are thrown (from `createNpcVoicePlugin`, `bind()`,
 * `updatePersona()`); everything that goes wrong at run time is emitted as an `ERROR` event instead, because it
 * happens in socket callbacks or the game loop where a throw would crash the game.
 */
import type { MintErrorCode, NpcSessionErrorCode, NpcVoiceConfigErrorCode, NpcVoiceErrorCode } from './types.js';

/** Base class: every plugin error carries a stable machine-readable `code` (one of {@link NpcVoiceErrorCode}). */
export class NpcVoiceError extends Error {
  override readonly name: string = 'NpcVoiceError';
  constructor(
    readonly code: NpcVoiceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A configuration mistake (plugin options, an unknown persona id, an invalid persona). `field` names the option
 * or persona field to fix and the message says how.
 */
export class NpcVoiceConfigError extends NpcVoiceError {
  override readonly name = 'NpcVoiceConfigError';
  declare readonly code: NpcVoiceConfigErrorCode;
  constructor(
    code: NpcVoiceConfigErrorCode,
    readonly field: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * The mint endpoint refused or failed to issue an ephemeral key. `status` is the HTTP status (0 when the request
 * never got an answer) and `retryAfterMs` comes from a `Retry-After` header when the server sent one.
 */
export class MintError extends NpcVoiceError {
  override readonly name = 'MintError';
  declare readonly code: MintErrorCode;
  constructor(
    code: MintErrorCode,
    message: string,
    readonly status: number,
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/** A game tool threw or returned something that could not be sent to the model. */
export class ToolError extends NpcVoiceError {
  override readonly name = 'ToolError';
  declare readonly code: 'tool_failed';
  constructor(
    readonly toolName: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('tool_failed', message, options);
  }
}

/** A Realtime session failed: connection dropped, server error event, retries exhausted. */
export class NpcSessionError extends NpcVoiceError {
  override readonly name = 'NpcSessionError';
  declare readonly code: NpcSessionErrorCode;
  constructor(code: NpcSessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** Returns a readable message for any thrown value. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
