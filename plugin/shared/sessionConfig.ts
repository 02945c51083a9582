import { PCM_RATE_HZ } from './pcm16.js';
import type { Persona } from './personaSchema.js';

/** Model used when none is configured. Keep the SDK's `model` option equal to the minted key's model. */
export const DEFAULT_REALTIME_MODEL = 'gpt-realtime';

/** Transcription model requested so the player's words come back as subtitles. */
export const TRANSCRIPTION_MODEL = 'gpt-4o-mini-transcribe';

/** Tells the model what a picture from the game (`binding.show()`) is: part of every persona's instructions. */
export const SCENE_IMAGE_INSTRUCTIONS =
  'The game may show you a picture of the scene as the player sees it. When it does, look at it and react in character, briefly, as if you saw it with your own eyes; never mention screenshots or images.';

/**
 * The full instructions sent to the model for a persona: the character prompt, that it may be shown the scene, what
 * it knows and what it refuses.
 * The emulator reads a hot-reloaded persona's lines back by matching this same shape (sessionPersona.ts).
 */
export function buildInstructions(persona: Persona): string {
  const parts = [persona.instructions, SCENE_IMAGE_INSTRUCTIONS];
  parts.push(`When the player greets you, answer like: "${persona.greeting}". When they leave: "${persona.farewell}".`);
  if (persona.knowledge.length > 0) {
    parts.push(`What you know:\n${persona.knowledge.map((k) => `- ${k.topic}: ${k.answer}`).join('\n')}`);
  }
  if (persona.guardrails.refuseTopics.length > 0) {
    parts.push(
      `Never discuss: ${persona.guardrails.refuseTopics.join(', ')}. If asked, say: "${persona.guardrails.refusal}"`,
    );
  }
  return parts.join('\n\n');
}

/** GA wire shape of `audio.input.turn_detection` (snake_case), or null for push-to-talk (manual commit). */
export type WireTurnDetection =
  | null
  | {
      type: 'server_vad';
      threshold: number;
      prefix_padding_ms: number;
      silence_duration_ms: number;
      create_response: boolean;
      interrupt_response: boolean;
    }
  | { type: 'semantic_vad'; eagerness: 'low' | 'medium' | 'high' | 'auto'; create_response: boolean; interrupt_response: boolean };

/** Maps the persona's turn-taking to the Realtime API's turn detection. */
export function wireTurnDetection(persona: Persona): WireTurnDetection {
  const t = persona.turnTaking;
  switch (t.mode) {
    case 'push_to_talk':
      return null;
    case 'server_vad':
      return {
        type: 'server_vad',
        threshold: t.threshold,
        prefix_padding_ms: t.prefixPaddingMs,
        silence_duration_ms: t.silenceMs,
        create_response: true,
        interrupt_response: true,
      };
    case 'semantic_vad':
      return { type: 'semantic_vad', eagerness: t.eagerness, create_response: true, interrupt_response: true };
  }
}

/** A function tool as the Realtime API lists it. */
export interface WireFunctionTool {
  type: 'function';
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

/**
 * The `session` object for `POST /v1/realtime/client_secrets` built from a persona (snake_case GA shape).
 * Tool schemas live in game code, so the server names the allowed tools with an open parameter schema; the
 * browser's SDK replaces them with the real definitions when it connects.
 */
export function personaSessionConfig(persona: Persona, model: string = DEFAULT_REALTIME_MODEL) {
  const tools: WireFunctionTool[] = persona.tools.map((name) => ({
    type: 'function',
    name,
    description: `Game tool "${name}" (its parameters are sent by the game when the session connects).`,
    parameters: { type: 'object', properties: {}, additionalProperties: true },
  }));
  return {
    type: 'realtime' as const,
    model,
    instructions: buildInstructions(persona),
    output_modalities: ['audio'] as const,
    audio: {
      input: {
        format: { type: 'audio/pcm' as const, rate: PCM_RATE_HZ },
        transcription: { model: TRANSCRIPTION_MODEL },
        turn_detection: wireTurnDetection(persona),
      },
      output: { format: { type: 'audio/pcm' as const, rate: PCM_RATE_HZ }, voice: persona.voice },
    },
    tools,
  };
}

/** The persona-derived session config as sent in `client_secrets`. */
export type PersonaSessionConfig = ReturnType<typeof personaSessionConfig>;
