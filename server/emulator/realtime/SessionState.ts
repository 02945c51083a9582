import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ToolChoiceSchema, type SessionUpdateConfig, type ToolChoice } from '../../../plugin/shared/protocol/clientEvents.js';
import { SERVER_VAD_DEFAULTS } from '../../../plugin/shared/serverVadDefaults.js';
import type { SemanticEagerness } from '../speech/energyVad.js';
import type { FunctionToolSpec } from '../brain/toolMatcher.js';
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

/** The two kinds of session: a conversation that responds, or transcription only (`?intent=transcription`). */
export type SessionKind = 'realtime' | 'transcription';

/** The `include` value that adds `logprobs` to input transcription events. */
export const TRANSCRIPTION_LOGPROBS = 'item.input_audio_transcription.logprobs';

/** The transcription model a transcription session uses until the client names one. */
export const DEFAULT_TRANSCRIPTION_MODEL = 'gpt-4o-mini-transcribe';

/**
 * The service's defaults for a new transcription session: the GA transcription session object (the API reference's
 * `RealtimeTranscriptionSessionCreateResponse`), input audio only, with no model, instructions, tools or output.
 */
export function defaultTranscriptionSession(): WireSession {
  return {
    type: 'transcription',
    object: 'realtime.transcription_session',
    id: newId('sess'),
    expires_at: 0,
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: 24_000 },
        transcription: { model: DEFAULT_TRANSCRIPTION_MODEL, language: null, prompt: '' },
        noise_reduction: null,
        turn_detection: fillTranscriptionTurnDetection({ type: 'server_vad' }),
      },
    },
    include: null,
  };
}

/** The top-level fields a transcription session has: anything else in its `session.update` is an unknown parameter. */
const TRANSCRIPTION_FIELDS: ReadonlySet<string> = new Set(['type', 'audio', 'include']);

/**
 * The error for a transcription session patch (a `session.update` or a client secret's `session`) that names a field
 * only a realtime session has (`instructions`, `tools`, `audio.output`, …), as the service answers; null if it has none.
 */
export function transcriptionPatchError(patch: Record<string, unknown>): RealtimeError | null {
  for (const key of Object.keys(patch)) {
    if (!TRANSCRIPTION_FIELDS.has(key) && patch[key] !== undefined) return PROTOCOL_ERRORS.unknownParameter(`session.${key}`);
  }
  const audio = patch.audio;
  if (isObject(audio) && audio.output !== undefined) return PROTOCOL_ERRORS.unknownParameter('session.audio.output');
  return null;
}

/**
 * Fills the defaults of a transcription session's turn detection: the VAD settings only, since such a session never
 * creates or interrupts a response.
 */
function fillTranscriptionTurnDetection(value: unknown): unknown {
  if (!isObject(value)) return value ?? null;
  if (value.type === 'semantic_vad') return { type: 'semantic_vad', eagerness: 'auto', ...value };
  return {
    type: 'server_vad',
    threshold: SERVER_VAD_DEFAULTS.threshold,
    prefix_padding_ms: SERVER_VAD_DEFAULTS.prefixPaddingMs,
    silence_duration_ms: SERVER_VAD_DEFAULTS.silenceDurationMs,
    ...value,
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
 * `model`, `id`, `object` and `type` stay, and turn detection and audio formats get their defaults filled (a
 * transcription session's after its own shape: input audio only).
 */
export function mergeSession(current: WireSession, patch: Record<string, unknown>): WireSession {
  const { model: _model, id: _id, object: _object, type: _type, ...rest } = patch;
  const merged = deepMerge(current, rest);
  const audio = objectAt(merged, 'audio');
  const input = objectAt(audio, 'input');
  if (current.type === 'transcription') {
    return { ...merged, audio: { ...audio, input: { ...input, format: fillFormat(input.format), turn_detection: fillTranscriptionTurnDetection(input.turn_detection) } } };
  }
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

/** A new session of `kind` with `initial` (a minted config, if any) applied. */
export function initialSession(kind: SessionKind, model: string, initial?: Record<string, unknown>): WireSession {
  const base = kind === 'transcription' ? defaultTranscriptionSession() : defaultSession(model);
  // A key minted for the other kind of session only lends its model: its fields do not exist in this one.
  return initial && (initial.type ?? 'realtime') === kind ? mergeSession(base, initial) : base;
}

/** The turn detection a session asks for (null: the client commits the input buffer itself). */
export interface TurnDetection {
  type: string;
  threshold?: number;
  prefixPaddingMs?: number;
  silenceDurationMs?: number;
  eagerness?: SemanticEagerness;
  /** Server VAD: silence after the assistant's audio that makes the service prompt the player (null: never). */
  idleTimeoutMs: number | null;
  /** A turn ending creates a response (default true). */
  createResponse: boolean;
  /** Speech starting cancels the active response (default true). */
  interruptResponse: boolean;
}

/** What the engine reads from the session, typed; derived from the wire object on every change. */
export interface SessionView {
  /** A transcription session transcribes its input audio and never responds. */
  kind: SessionKind;
  instructions: string;
  outputModality: 'audio' | 'text';
  maxOutputTokens: number | 'inf';
  /** Names of the function tools the session declares. */
  toolNames: ReadonlySet<string>;
  /** The function tools the session declares, in order (what a persona-less brain matches the player's words against). */
  tools: readonly FunctionToolSpec[];
  /** `tool_choice` (responses may override it). */
  toolChoice: ToolChoice;
  inputFormat: FormatKind;
  /** `audio.output.format` as the session reports it (copied into each response). */
  outputFormat: Record<string, unknown>;
  voice: string;
  turnDetection: TurnDetection | null;
  /** Whether `audio.input.transcription` is set (user audio gets transcription events). */
  transcribes: boolean;
  /** `include` asks for `logprobs` on the input transcription events. */
  transcriptionLogprobs: boolean;
}

const optionalNumber = z.number().optional().catch(undefined);
const WireViewSchema = z.object({
  type: z.enum(['realtime', 'transcription']).catch('realtime'),
  include: z.array(z.string()).nullable().catch(null),
  instructions: z.string().catch(''),
  output_modalities: z.array(z.string()).catch(['audio']),
  max_output_tokens: z.union([z.number(), z.literal('inf')]).catch('inf'),
  tools: z.array(z.unknown()).catch([]),
  tool_choice: ToolChoiceSchema.catch('auto'),
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
              idle_timeout_ms: z.number().nullable().optional().catch(null),
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
const FunctionTool = z.object({ type: z.literal('function'), name: z.string(), description: z.string().optional().catch(undefined), parameters: z.unknown().optional() });

/** The function tools in a `tools` list, in order (hosted tools are not functions). */
export function functionTools(tools: readonly unknown[]): FunctionToolSpec[] {
  const functions: FunctionToolSpec[] = [];
  for (const tool of tools) {
    const fn = FunctionTool.safeParse(tool);
    if (fn.success) functions.push({ name: fn.data.name, description: fn.data.description ?? '', parameters: fn.data.parameters });
  }
  return functions;
}

/** The names of the function tools in a `tools` list (hosted tools have none). */
export function functionToolNames(tools: readonly unknown[]): Set<string> {
  return new Set(functionTools(tools).map((tool) => tool.name));
}

/** The error for a `tool_choice` naming a function that `tools` does not declare (`param`: where it was given). */
export function toolChoiceError(choice: ToolChoice | undefined, tools: ReadonlySet<string>, param: string): RealtimeError | null {
  if (typeof choice !== 'object' || choice.type !== 'function' || tools.has(choice.name)) return null;
  return PROTOCOL_ERRORS.toolChoiceUnknown(choice.name, param);
}

function viewOf(wire: WireSession): SessionView {
  const parsed = WireViewSchema.parse(wire);
  const { input, output } = parsed.audio;
  const td = input.turn_detection;
  const tools = functionTools(parsed.tools);
  const toolNames = new Set(tools.map((tool) => tool.name));
  return {
    kind: parsed.type,
    instructions: parsed.instructions,
    outputModality: parsed.output_modalities[0] === 'text' ? 'text' : 'audio',
    maxOutputTokens: parsed.max_output_tokens,
    toolNames,
    tools,
    toolChoice: parsed.tool_choice,
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
          // The service supports the idle timeout with server VAD only.
          idleTimeoutMs: td.type === 'server_vad' ? (td.idle_timeout_ms ?? null) : null,
          createResponse: td.create_response !== false,
          interruptResponse: td.interrupt_response !== false,
        }
      : null,
    transcribes: isObject(input.transcription),
    transcriptionLogprobs: parsed.include?.includes(TRANSCRIPTION_LOGPROBS) ?? false,
  };
}

/** Options of {@link SessionState}. */
export interface SessionStateOptions {
  /** The session's model; fixed for its lifetime. */
  model: string;
  /** Config to start from (e.g. the one an `ek_` key was minted with). */
  initial?: Record<string, unknown>;
  /**
   * The kind of session, fixed for its lifetime (default: the minted config's `type`, else realtime); the URL's
   * `?intent=transcription` asks for a transcription session.
   */
  kind?: SessionKind;
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
    const kind = options.kind ?? (options.initial?.type === 'transcription' ? 'transcription' : 'realtime');
    this.current = initialSession(kind, options.model, options.initial);
    this.current.expires_at = Math.floor(Date.now() / 1000) + 3600;
    // A transcription session has no model of its own (its transcription names one).
    if (kind === 'realtime') this.current.model = options.model;
    this.derived = viewOf(this.current);
  }

  /** The kind of session (fixed). */
  get kind(): SessionKind {
    return this.derived.kind;
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
    if (patch.type !== this.derived.kind) return PROTOCOL_ERRORS.sessionTypeFixed(patch.type, this.derived.kind);
    if (this.derived.kind === 'transcription') {
      const unknown = transcriptionPatchError(patch);
      if (unknown) return unknown;
    }
    const maxInstructions = this.options.maxInstructionsChars ?? DEFAULT_MAX_INSTRUCTIONS_CHARS;
    if (typeof patch.instructions === 'string' && patch.instructions.length > maxInstructions) {
      return PROTOCOL_ERRORS.instructionsTooLong(maxInstructions, patch.instructions.length);
    }
    const nextVoice = patch.audio?.output?.voice ?? patch.voice;
    if (voiceLocked && typeof nextVoice === 'string' && nextVoice !== this.derived.voice) {
      return PROTOCOL_ERRORS.voiceLocked();
    }
    const next = mergeSession(this.current, patch);
    if (this.derived.kind === 'realtime') next.model = this.options.model;
    const view = viewOf(next);
    const badChoice = toolChoiceError(view.toolChoice, view.toolNames, 'session.tool_choice');
    if (badChoice) return badChoice;
    this.current = next;
    this.derived = view;
    this.updates++;
    return null;
  }
}
