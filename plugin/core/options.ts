import type { AudioBackend, DuckableHowl, DuckTarget } from '../audioBackend.js';
import { NpcVoiceConfigError } from '../errors.js';
import { howlerSounds } from './howler.js';
import { parsePersona } from '../shared/parsePersona.js';
import type { Persona } from '../shared/personaSchema.js';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../session/backoff.js';
import type { FetchLike } from '../session/mintClient.js';
import type { GameTool } from '../tools/defineGameTool.js';

export type { Positioned } from './host.js';

/** What fades while an NPC speaks (`duck` option). */
export interface NpcVoiceDuckOptions {
  /** The Howler sounds to fade (music, SFX). Default: every Howl Howler knows at that moment. `null`: none. */
  howls?: (() => readonly DuckableHowl[]) | null;
  /** A gain stage of your own music/SFX bus (not the destination the voices go through), faded as well. */
  target?: DuckTarget;
  /** Volume factor while an NPC speaks, 0–1. Default 0.35. */
  level?: number;
  /** Fade time in ms, down and back up. Default 200. */
  fadeMs?: number;
}

/**
 * The engine-agnostic options of the plugin; an adapter adds its engine's own (the Phaser adapter's
 * `NpcVoiceOptions` adds the push-to-talk key, the listener and the player's facing).
 */
export interface NpcVoiceCoreOptions<G extends object = object> {
  /** URL of the key-minting endpoint. Default `/api/npc-voice/session`. */
  mintEndpoint?: string;
  /** `websocket` (exact PCM, default), `webrtc` (lowest latency) or `auto` (WebRTC where the browser has it). */
  transport?: 'websocket' | 'webrtc' | 'auto';
  /** The AudioContext to play voices in, or a function returning it. Default: Howler's (`Howler.ctx`), else the engine's (Phaser's sound manager), else a new one. */
  audioContext?: AudioContext | (() => AudioContext);
  /** Where voices go. Default: `Howler.masterGain` with Howler's context, the engine's master mute/volume with the engine's, else the context's destination. */
  audioDestination?: AudioNode;
  /** The audio layer (`{ createMixer: (o) => new VoiceMixer(o), openMic: MicCapture.open }`); omit for text-only. */
  audio?: AudioBackend;
  /** Music and SFX that fade while an NPC speaks; `false` turns ducking off. Default: every Howler sound, to 0.35. */
  duck?: NpcVoiceDuckOptions | false;
  /** Most NPC sessions open at once. Default 3. */
  maxLiveSessions?: number;
  /** Personas by id (objects or parsed JSON), so `bind(sprite, 'blacksmith')` works. */
  personas?: Readonly<Record<string, unknown>>;
  /** Game tools; each persona's `tools` list picks the ones its NPC may use. */
  tools?: readonly GameTool[];
  /** Read-only view of the game passed to tools as `ctx.game`. */
  gameView?: () => G;
  /** Close a session nobody talked to for this long. Default 60 000 ms. */
  idleTimeoutMs?: number;
  /** Reconnect backoff. */
  backoff?: Partial<BackoffOptions>;
  /** `fetch` used for the mint endpoint (tests, custom headers). */
  fetch?: FetchLike;
}

/** Options after validation, defaults filled. */
export interface ResolvedOptions<G extends object = object> {
  mintEndpoint: string;
  transport: 'websocket' | 'webrtc' | 'auto';
  audioContext: AudioContext | (() => AudioContext) | null;
  audioDestination: AudioNode | null;
  audio: AudioBackend | null;
  /** Null: no ducking. `howls` null: no Howls (a `target` only). */
  duck: { howls: (() => readonly DuckableHowl[]) | null; target: DuckTarget | undefined; level: number; fadeMs: number } | null;
  maxLiveSessions: number;
  personas: Map<string, Persona>;
  tools: readonly GameTool[];
  gameView: () => G;
  idleTimeoutMs: number;
  backoff: BackoffOptions;
  fetch: FetchLike | null;
}

/** Default mint endpoint served by the package's server. */
export const DEFAULT_MINT_ENDPOINT = '/api/npc-voice/session';

/** Throws the error of a bad option: `field` names it, `message` says what is expected. */
export function fail(field: string, message: string): never {
  throw new NpcVoiceConfigError('invalid_option', field, `npcVoice option "${field}": ${message}`);
}

function positiveInt(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) fail(field, `expected a positive integer, got ${String(value)}`);
  return value;
}

function positiveMs(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) fail(field, `expected a positive number of milliseconds, got ${String(value)}`);
  return value;
}

/**
 * Validates a persona for the plugin.
 * @throws NpcVoiceConfigError naming the persona field (e.g. `personas.blacksmith.voice`) and what is expected.
 */
export function validatePersona(value: unknown, where: string): Persona {
  const result = parsePersona(value, where);
  if (result.ok) return result.persona;
  const first = result.error.issues[0];
  const field = first?.path ? `${where}.${first.path}` : where;
  throw new NpcVoiceConfigError('invalid_persona', field, `${result.error.message}. Fix the persona JSON and reload.`, {
    cause: result.error,
  });
}

function resolveDuck(duck: NpcVoiceCoreOptions['duck']): ResolvedOptions['duck'] {
  if (duck === false) return null;
  if (duck !== undefined && (typeof duck !== 'object' || duck === null)) fail('duck', 'expected { howls?, target?, level?, fadeMs? } or false');
  const d = duck ?? {};
  if (d.howls !== undefined && d.howls !== null && typeof d.howls !== 'function') fail('duck.howls', 'expected a function returning the Howls to fade, or null');
  const level = d.level ?? 0.35;
  if (typeof level !== 'number' || !(level >= 0 && level <= 1)) fail('duck.level', `expected a volume factor between 0 and 1, got ${String(level)}`);
  return { howls: d.howls === undefined ? howlerSounds : d.howls, target: d.target, level, fadeMs: positiveMs('duck.fadeMs', d.fadeMs, 200) };
}

/**
 * Validates plugin options and fills defaults.
 * @throws NpcVoiceConfigError naming the option and how to fix it.
 */
export function resolveOptions<G extends object>(options: NpcVoiceCoreOptions<G> = {}): ResolvedOptions<G> {
  if (typeof options !== 'object' || options === null) fail('(options)', 'expected an options object');
  const mintEndpoint = options.mintEndpoint ?? DEFAULT_MINT_ENDPOINT;
  if (typeof mintEndpoint !== 'string' || mintEndpoint.trim() === '') fail('mintEndpoint', 'expected a URL such as "/api/npc-voice/session"');
  const transport = options.transport ?? 'websocket';
  if (transport !== 'websocket' && transport !== 'webrtc' && transport !== 'auto') {
    fail('transport', `expected "websocket", "webrtc" or "auto", got ${JSON.stringify(transport)}`);
  }
  const ac = options.audioContext;
  if (ac !== undefined && typeof ac !== 'function' && (typeof ac !== 'object' || ac === null || !('createGain' in ac))) {
    fail('audioContext', 'expected an AudioContext or a function returning one');
  }
  if (options.audio !== undefined && (typeof options.audio?.createMixer !== 'function' || typeof options.audio.openMic !== 'function')) {
    fail('audio', 'expected { createMixer(options), openMic(context) } from plugin/audio');
  }
  const duck = resolveDuck(options.duck);
  const personas = new Map<string, Persona>();
  for (const [id, value] of Object.entries(options.personas ?? {})) {
    const persona = validatePersona(value, `personas.${id}`);
    if (persona.id !== id) fail(`personas.${id}.id`, `the persona's id is "${persona.id}"; register it under that key`);
    personas.set(id, persona);
  }
  const tools = options.tools ?? [];
  if (!Array.isArray(tools)) fail('tools', 'expected an array of defineGameTool(...) results');
  const names = new Set<string>();
  tools.forEach((t: GameTool, i: number) => {
    if (typeof t?.name !== 'string' || typeof t.execute !== 'function') fail(`tools[${i}]`, 'expected a tool made with defineGameTool()');
    if (names.has(t.name)) fail(`tools[${i}].name`, `duplicate tool name "${t.name}"`);
    names.add(t.name);
  });
  if (options.gameView !== undefined && typeof options.gameView !== 'function') fail('gameView', 'expected a function returning the read-only game view');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') fail('fetch', 'expected a fetch-compatible function');
  const b = options.backoff ?? {};
  const backoff: BackoffOptions = {
    baseMs: positiveMs('backoff.baseMs', b.baseMs, DEFAULT_BACKOFF.baseMs),
    maxMs: positiveMs('backoff.maxMs', b.maxMs, DEFAULT_BACKOFF.maxMs),
    maxAttempts: positiveInt('backoff.maxAttempts', b.maxAttempts, DEFAULT_BACKOFF.maxAttempts),
    jitter: b.jitter ?? DEFAULT_BACKOFF.jitter,
  };
  if (!(backoff.jitter >= 0 && backoff.jitter <= 1)) fail('backoff.jitter', 'expected a fraction between 0 and 1');
  return {
    mintEndpoint,
    transport,
    audioContext: ac ?? null,
    audioDestination: options.audioDestination ?? null,
    audio: options.audio ?? null,
    duck,
    maxLiveSessions: positiveInt('maxLiveSessions', options.maxLiveSessions, 3),
    personas,
    tools,
    gameView: options.gameView ?? (() => ({}) as G),
    idleTimeoutMs: positiveMs('idleTimeoutMs', options.idleTimeoutMs, 60_000),
    backoff,
    fetch: options.fetch ?? null,
  };
}
