import type { RealtimeSessionConfig } from '@openai/agents-realtime';
import { PCM_RATE_HZ } from '../shared/pcm16.js';
import type { Persona } from '../shared/personaSchema.js';
import { TRANSCRIPTION_MODEL, wireTurnDetection } from '../shared/sessionConfig.js';
import type { ConversationLine } from '../types.js';

/** The SDK's camelCase turn-detection config (`audio.input.turnDetection`), or null for push-to-talk. */
export type TurnDetectionConfig = Extract<RealtimeSessionConfig, { turnDetection: unknown }>['turnDetection'] | null;

/**
 * Maps the persona's turn-taking to the SDK's camelCase turn detection. Derived from the shared wire mapping so
 * the minted session and the SDK's `session.update` always agree.
 */
export function turnDetectionConfig(persona: Persona): TurnDetectionConfig {
  const wire = wireTurnDetection(persona);
  if (wire === null) return null;
  if (wire.type === 'server_vad') {
    return {
      type: 'server_vad',
      threshold: wire.threshold,
      prefixPaddingMs: wire.prefix_padding_ms,
      silenceDurationMs: wire.silence_duration_ms,
      createResponse: wire.create_response,
      interruptResponse: wire.interrupt_response,
    };
  }
  return {
    type: 'semantic_vad',
    eagerness: wire.eagerness,
    createResponse: wire.create_response,
    interruptResponse: wire.interrupt_response,
  };
}

/** The `config` option of `new RealtimeSession(agent, { config })` for a persona. */
export function buildSessionConfig(persona: Persona): Partial<RealtimeSessionConfig> {
  return {
    outputModalities: ['audio'],
    audio: {
      input: {
        format: { type: 'audio/pcm', rate: PCM_RATE_HZ },
        transcription: { model: TRANSCRIPTION_MODEL },
        turnDetection: turnDetectionConfig(persona),
      },
      output: { format: { type: 'audio/pcm', rate: PCM_RATE_HZ }, voice: persona.voice },
    },
  };
}

/** Whether the app must commit the audio buffer and ask for a response itself (turn detection off). */
export function isPushToTalk(persona: Persona): boolean {
  return persona.turnTaking.mode === 'push_to_talk';
}

/** How many earlier lines are replayed into a new session's instructions when the persona has `memory`. */
export const MEMORY_LINES = 20;

/**
 * Instructions for a new session: the persona's, plus the end of the earlier conversation when `memory` is on.
 * Replaying as text avoids `updateHistory`, which cannot recreate audio items.
 */
export function instructionsWithMemory(base: string, persona: Persona, history: readonly ConversationLine[]): string {
  if (!persona.memory || history.length === 0) return base;
  const recent = history.slice(-MEMORY_LINES);
  const lines = recent.map((l) => `${l.role === 'player' ? 'Player' : 'You'}: ${l.text}`).join('\n');
  return `${base}\n\nYour conversation with the player so far (continue it, do not greet again):\n${lines}`;
}
