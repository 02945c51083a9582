import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { SessionUpdateConfig } from '../../../plugin/shared/protocol/clientEvents.js';
import { SERVER_VAD_DEFAULTS } from '../../../plugin/shared/serverVadDefaults.js';
import type { SemanticEagerness } from '../speech/energyVad.js';
import { formatKind, type FormatKind } from './audioFormats.js';
import { PROTOCOL_ERRORS, type RealtimeError } from './protocolErrors.js';

/** A GA realtime session object (snake_case) as the service returns it: what `session.created/updated` carry. */
export type WireSession = Record<string, unknown>;

/** Default cap on `session.instructions` (characters). */
export const DEFAULT_MAX_INSTRUCTIONS_CHARS = 32_768;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Generates an id with the service's prefix style (`sess_…`, `item_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}

/** The service's defaults for a new session (realtime-protocol.md §3.3). */
export function defaultSession(model: string): WireSession {
  return {
    type: 'realtime',
    object: 'realtime.session',
    id: newId('sess'),
    model,
    output_modalities: ['audio'],
    instructions: 'You are a helpful, friendly character in a game.',
    tools: [],
    tool_choice: 'auto',
    max_output_tokens: 'inf',
    tracing: null,
    truncation: 'auto',
    prompt: null,
    expires_at: 0,
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24_000 },
        transcription: null,
        noise_reduction: null,
        turn_detection: fillTurnDetection({ type: 'server_vad' }),
      },
      output: { format: { type: 'audio/pcm', rate: 24_000 }, voice: 'marin', speed: 1 },
    },
    include: null,
  };
}

/** Fills the defaults the service reports for a turn-detection object (null stays null: manual commit). */
export function fillTurnDetection(value: unknown): unknown {
  if (!isObject(value)) return value ?? null;
  if (value.type === 'semantic_vad') {
    return { type: 'semantic_vad', eagerness: 'auto', create_response: true, interrupt_response: true, ...value };
  }
  return {
    type: 'server_vad',
    threshold: SERVER_VAD_DEFAULTS.threshold,
    prefix_padding_ms: SERVER_VAD_DEFAULTS.prefixPaddingMs,
    silence_duration_ms: SERVER_VAD_DEFAULTS.silenceDurationMs,
    idle_timeout_ms: null,
    create_response: true,
    interrupt_response: true,
    ...value,
  };
}

function fillFormat(value: unknown): unknown {
  if (value === 'pcm16') return { type: 'audio/pcm', rate: 24_000 };
  if (value === 'g711_ulaw') return { type: 'audio/pcmu' };
  if (value === 'g711_alaw') return { type: 'audio/pcma' };
  if (isObject(value) && value.type === 'audio/pcm') return { rate: 24_000, ...value };
  return value;
}

function deepMerge(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = base[key];
    // Objects merge field by field; null and arrays replace (the API clears a field with null, tools with []).
    out[key] = isObject(value) && isObject(current) ? deepMerge(current, value) : value;
  }
  return out;
}

const objectAt = (value: unknown, key: string): Record<string, unknown> => {
  const inner = isObject(value) ? value[key] : undefined;
  return isObject(inner) ? inner : {};
};

/**
 * Applies a `session.update` (or a client secret's `session`) to the current session: only the fields present change,
 * `model`, `id` and `object` stay, and turn detection and audio formats get their defaults filled.
 */
export function mergeSession(current: WireSession, patch: Record<string, unknown>): WireSession {
  const { model: _model, id: _id, object: _object, ...rest } = patch;
  const merged = deepMerge(current, rest);
  const audio = objectAt(merged, 'audio');
  const input = objectAt(audio, 'input');
  const output = objectAt(audio, 'output');
  // The beta top-level `voice` alias: audio.output.voice wins when both are given.
  const voice = objectAt(objectAt(patch, 'audio'), 'output').voice ?? patch.voice ?? output.voice;
  const { voice: _alias, ...withoutAlias } = merged;
  return {
    ...withoutAlias,
    audio: {
      ...audio,
      input: {
        ...input,
        format: fillFormat(input.format),
        turn_detection: fillTurnDetection(input.turn_detection),
      },
      output: { ...output, format: fillFormat(output.format), voice },
    },
  };
}

/** The turn detection a session asks for (null: the client commits the input buffer itself). */
export interface TurnDetection {
  type: string;
  threshold?: number;
  prefixPaddingMs?: number;
  silenceDurationMs?: number;
  eagerness?: SemanticEagerness;
  /** A turn ending creates a response (default true). */
  createResponse: boolean;
  /** Speech starting cancels the active response (default true). */
  interruptResponse: boolean;
}

/** What the engine reads from the session, typed; derived from the wire object on every change. */
export interface SessionView {
  instructions: string;
  outputModality: 'audio' | 'text';
  maxOutputTokens: number | 'inf';
  /** Names of the function tools the session declares. */
  toolNames: ReadonlySet<string>;
  inputFormat: FormatKind;
  /** `audio.output.format` as the session reports it (copied into each response). */
  outputFormat: Record<string, unknown>;
  voice: string;
  turnDetection: TurnDetection | null;
  /** Whether `audio.input.transcription` is set (user audio gets transcription events). */
  transcribes: boolean;
}

const optionalNumber = z.number().optional().catch(undefined);
const WireViewSchema = z.object({
  instructions: z.string().catch(''),
  output_modalities: z.array(z.string()).catch(['audio']),
  max_output_tokens: z.union([z.number(), z.literal('inf')]).catch('inf'),
  tools: z.array(z.unknown()).catch([]),
  audio: z
    .object({
      input: z
        .object({
          format: z.unknown(),
          transcription: z.unknown(),
          turn_detection: z
            .object({
              type: z.string().catch(''),
              threshold: optionalNumber,
              prefix_padding_ms: optionalNumber,
              silence_duration_ms: optionalNumber,
              eagerness: z.enum(['low', 'medium', 'high', 'auto']).optional().catch('auto'),
              create_response: z.boolean().optional().catch(undefined),
              interrupt_response: z.boolean().optional().catch(undefined),
            })
            .nullable()
            .catch(null),
        })
        .catch({ format: undefined, transcription: undefined, turn_detection: null }),
      output: z
        .object({ format: z.record(z.string(), z.unknown()).catch({}), voice: z.string().catch('marin') })
        .catch({ format: {}, voice: 'marin' }),
    })
    .catch({ input: { format: undefined, transcription: undefined, turn_detection: null }, output: { format: {}, voice: 'marin' } }),
});
const FunctionName = z.object({ type: z.literal('function'), name: z.string() });

function viewOf(wire: WireSession): SessionView {
  const parsed = WireViewSchema.parse(wire);
  const { input, output } = parsed.audio;
  const td = input.turn_detection;
  const toolNames = new Set<string>();
  for (const tool of parsed.tools) {
    const fn = FunctionName.safeParse(tool);
    if (fn.success) toolNames.add(fn.data.name);
  }
  return {
    instructions: parsed.instructions,
    outputModality: parsed.output_modalities[0] === 'text' ? 'text' : 'audio',
    maxOutputTokens: parsed.max_output_tokens,
    toolNames,
    inputFormat: formatKind(input.format),
    outputFormat: output.format,
    voice: output.voice,
    turnDetection: td
      ? {
          type: td.type,
          ...(td.threshold !== undefined ? { threshold: td.threshold } : {}),
          ...(td.prefix_padding_ms !== undefined ? { prefixPaddingMs: td.prefix_padding_ms } : {}),
          ...(td.silence_duration_ms !== undefined ? { silenceDurationMs: td.silence_duration_ms } : {}),
          ...(td.eagerness !== undefined ? { eagerness: td.eagerness } : {}),
          createResponse: td.create_response !== false,
          interruptResponse: td.interrupt_response !== false,
        }
      : null,
    transcribes: isObject(input.transcription),
  };
}

/** Options of {@link SessionState}. */
export interface SessionStateOptions {
  /** The session's model; fixed for its lifetime. */
  model: string;
  /** Config to start from (e.g. the one an `ek_` key was minted with). */
  initial?: Record<string, unknown>;
  /** Longest `instructions` accepted by {@link SessionState.update} (default {@link DEFAULT_MAX_INSTRUCTIONS_CHARS}). */
  maxInstructionsChars?: number;
}

/**
 * One session's configuration: the GA wire object the client sees (defaults filled, `model` fixed) and the typed
 * {@link SessionView} the engine reads, kept in step by {@link SessionState.update}.
 */
export class SessionState {
  private current: WireSession;
  private derived: SessionView;
  private updates = 0;

  constructor(private readonly options: SessionStateOptions) {
    const base = defaultSession(options.model);
    base.expires_at = Math.floor(Date.now() / 1000) + 3600;
    this.current = options.initial ? mergeSession(base, options.initial) : base;
    this.current.model = options.model;
    this.derived = viewOf(this.current);
  }

  /** The wire object (read-only; use {@link SessionState.snapshot} for an event). */
  get wire(): Readonly<WireSession> {
    return this.current;
  }

  /** The typed view of the current config. */
  get view(): SessionView {
    return this.derived;
  }

  /** Whether a client `session.update` has been applied. */
  get updatedByClient(): boolean {
    return this.updates > 0;
  }

  /** A deep copy for `session.created` / `session.updated`. */
  snapshot(): Record<string, unknown> {
    return structuredClone(this.current);
  }

  /**
   * Applies a client `session.update`; returns the error to report instead when the patch is refused (the session is
   * then unchanged). `voiceLocked`: assistant audio exists, so the voice may no longer change.
   */
  update(patch: SessionUpdateConfig, voiceLocked: boolean): RealtimeError | null {
    if (patch.type !== 'realtime') return PROTOCOL_ERRORS.sessionTypeFixed();
    const maxInstructions = this.options.maxInstructionsChars ?? DEFAULT_MAX_INSTRUCTIONS_CHARS;
    if (typeof patch.instructions === 'string' && patch.instructions.length > maxInstructions) {
      return PROTOCOL_ERRORS.instructionsTooLong(maxInstructions, patch.instructions.length);
    }
    const nextVoice = patch.audio?.output?.voice ?? patch.voice;
    if (voiceLocked && typeof nextVoice === 'string' && nextVoice !== this.derived.voice) {
      return PROTOCOL_ERRORS.voiceLocked();
    }
    const next = mergeSession(this.current, patch);
    next.model = this.options.model;
    this.current = next;
    this.derived = viewOf(next);
    this.updates++;
    return null;
  }
}
