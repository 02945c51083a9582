import { RealtimeSession } from '@openai/agents-realtime';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { createNpcAgent, toSdkTool } from '../../../plugin/session/realtimeSdk.js';
import { buildSessionConfig, instructionsWithMemory, turnDetectionConfig } from '../../../plugin/session/sessionOptions.js';
import { buildInstructions, personaSessionConfig } from '../../../plugin/shared/sessionConfig.js';
import { defineGameTool } from '../../../plugin/tools/defineGameTool.js';
import { persona } from './fixtures.js';

const giveItem = defineGameTool({
  name: 'give_item',
  description: 'Give the player an item',
  parameters: z.object({ item: z.enum(['sword', 'shield']) }),
  execute: ({ item }) => ({ item }),
});
const ctx = { npc: { id: 'blacksmith', displayName: 'Brom' }, game: {}, act: <T>(fn: () => T) => Promise.resolve(fn()) };

describe('persona → session config', () => {
  it('turns push-to-talk into turnDetection null (the app commits)', () => {
    expect(turnDetectionConfig(persona('blacksmith'))).toBeNull();
  });

  it('maps server_vad with camelCase keys the SDK converts to the wire names', () => {
    const p = persona('blacksmith', { turnTaking: { mode: 'server_vad', threshold: 0.6, silenceMs: 700, prefixPaddingMs: 250 } });
    expect(turnDetectionConfig(p)).toEqual({
      type: 'server_vad',
      threshold: 0.6,
      prefixPaddingMs: 250,
      silenceDurationMs: 700,
      createResponse: true,
      interruptResponse: true,
    });
  });

  it('maps semantic_vad with its eagerness', () => {
    const p = persona('blacksmith', { turnTaking: { mode: 'semantic_vad', eagerness: 'low' } });
    expect(turnDetectionConfig(p)).toEqual({ type: 'semantic_vad', eagerness: 'low', createResponse: true, interruptResponse: true });
  });

  it('produces the same wire session as the server mints (instructions, voice, turn detection, transcription)', async () => {
    const p = persona('blacksmith', { turnTaking: { mode: 'server_vad' } });
    const agent = createNpcAgent(p, buildInstructions(p), [toSdkTool(giveItem, ctx)]);
    const config = await RealtimeSession.computeInitialSessionConfig(agent, { model: 'gpt-realtime', config: buildSessionConfig(p) });
    const minted = personaSessionConfig(p, 'gpt-realtime');
    expect(agent.name).toBe('Brom the Blacksmith');
    expect(config).toMatchObject({
      instructions: minted.instructions,
      outputModalities: ['audio'],
      audio: {
        input: {
          transcription: minted.audio.input.transcription,
          turnDetection: { type: 'server_vad', threshold: 0.5, silenceDurationMs: 500, prefixPaddingMs: 300 },
        },
        output: { voice: 'ash' },
      },
      tools: [{ name: 'give_item' }],
    });
  });

  it('sends the tool’s zod schema as strict JSON Schema', async () => {
    const p = persona('blacksmith');
    const agent = createNpcAgent(p, 'x', [toSdkTool(giveItem, ctx)]);
    const config = await RealtimeSession.computeInitialSessionConfig(agent, { config: buildSessionConfig(p) });
    expect(config).toMatchObject({ tools: [{
      type: 'function',
      name: 'give_item',
      description: 'Give the player an item',
      parameters: { type: 'object', properties: { item: { type: 'string', enum: ['sword', 'shield'] } }, required: ['item'], additionalProperties: false },
    }] });
  });

  it('replays the end of the conversation into a new session only when the persona has memory', () => {
    const lines = [
      { role: 'player' as const, text: 'Hello' },
      { role: 'npc' as const, text: 'Welcome.' },
    ];
    expect(instructionsWithMemory('base', persona('blacksmith'), lines)).toContain('Player: Hello\nYou: Welcome.');
    expect(instructionsWithMemory('base', persona('blacksmith', { memory: false }), lines)).toBe('base');
  });
});
