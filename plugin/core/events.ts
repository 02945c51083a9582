import type { MicUnavailableReason } from '../audioBackend.js';
import type { NpcVoiceError } from '../errors.js';
import type { NpcBinding } from './NpcBinding.js';
import type { Persona } from '../shared/personaSchema.js';
import type { NpcState, NpcUsage, NpcVoiceWarningCode } from '../types.js';

/**
 * Every event the plugin emits, with its arguments as labeled tuples. Listen with
 * `scene.npcVoice.on(NpcVoiceEvents.NPC_TRANSCRIPT, (npc, text) => …)`.
 */
export interface NpcVoiceEventMap {
  /** An NPC's session state changed. */
  'session-state': [npc: NpcBinding, state: NpcState, previous: NpcState];
  /** The player's words as transcribed: partial (`final` false) then the whole utterance (`final` true). */
  'player-transcript': [npc: NpcBinding, text: string, final: boolean];
  /** A piece of what the NPC is saying (subtitles as it speaks). */
  'npc-transcript-delta': [npc: NpcBinding, delta: string];
  /** The full text of one NPC utterance. */
  'npc-transcript': [npc: NpcBinding, text: string];
  /** The NPC's voice became audible. */
  'speaking-start': [npc: NpcBinding];
  /** The NPC's voice stopped (finished or interrupted). */
  'speaking-stop': [npc: NpcBinding];
  /** The model called a game tool. */
  'tool-call-start': [npc: NpcBinding, toolName: string, args: unknown];
  /** A game tool finished; `output` is what the model receives. */
  'tool-call-end': [npc: NpcBinding, toolName: string, output: string];
  /** A game tool threw; the model received `{"error": …}` instead. */
  'tool-error': [npc: NpcBinding, toolName: string, error: NpcVoiceError];
  /** Tokens used by one response. */
  usage: [npc: NpcBinding, usage: NpcUsage];
  /** A run-time failure (never thrown from callbacks or the game loop). `npc` is null for plugin-wide errors. */
  error: [error: NpcVoiceError, npc: NpcBinding | null];
  /** Something is misconfigured but the plugin carries on (e.g. a persona lists an unregistered tool). */
  warning: [code: NpcVoiceWarningCode, message: string, npc: NpcBinding | null];
  /** The microphone cannot be used; the plugin continues text-only (`say()` still works). */
  'mic-unavailable': [reason: MicUnavailableReason];
  /** `updatePersona()` applied a new persona to these bindings. */
  'persona-updated': [persona: Persona, npcs: readonly NpcBinding[]];
}

/** Event names (constants share the interface's name, like Phaser's `Phaser.Scenes.Events`). */
export const NpcVoiceEvents = {
  SESSION_STATE: 'session-state',
  PLAYER_TRANSCRIPT: 'player-transcript',
  NPC_TRANSCRIPT_DELTA: 'npc-transcript-delta',
  NPC_TRANSCRIPT: 'npc-transcript',
  SPEAKING_START: 'speaking-start',
  SPEAKING_STOP: 'speaking-stop',
  TOOL_CALL_START: 'tool-call-start',
  TOOL_CALL_END: 'tool-call-end',
  TOOL_ERROR: 'tool-error',
  USAGE: 'usage',
  ERROR: 'error',
  WARNING: 'warning',
  MIC_UNAVAILABLE: 'mic-unavailable',
  PERSONA_UPDATED: 'persona-updated',
} as const satisfies Record<string, keyof NpcVoiceEventMap>;

/** Name of a plugin event. */
export type NpcVoiceEventName = (typeof NpcVoiceEvents)[keyof typeof NpcVoiceEvents];
