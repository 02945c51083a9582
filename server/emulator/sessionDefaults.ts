import { randomBytes } from 'node:crypto';
import { SERVER_VAD_DEFAULTS } from '../../plugin/shared/serverVadDefaults.js';

/** A GA realtime session object (snake_case), as the service returns it. */
export type WireSession = Record<string, unknown>;

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
    // Objects merge field by field; null and arrays replace (the API clears a field with null, tools with []).
    out[key] = isObject(value) && isObject(base[key]) ? deepMerge(base[key] as Record<string, unknown>, value) : value;
  }
  return out;
}

/**
 * Applies a `session.update` (or a client secret's `session`) to the current session: only the fields present change,
 * `model`, `id` and `object` stay, and turn detection and audio formats get their defaults filled.
 */
export function mergeSession(current: WireSession, patch: Record<string, unknown>): WireSession {
  const { model: _model, id: _id, object: _object, ...rest } = patch;
  const merged = deepMerge(current, rest);
  const audio = isObject(merged.audio) ? merged.audio : {};
  const input = isObject(audio.input) ? audio.input : {};
  const output = isObject(audio.output) ? audio.output : {};
  // The beta top-level `voice` alias: audio.output.voice wins when both are given.
  const patchAudio = isObject(patch.audio) ? patch.audio : {};
  const patchOutput = isObject(patchAudio.output) ? patchAudio.output : {};
  const voice = patchOutput.voice ?? patch.voice ?? output.voice;
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
