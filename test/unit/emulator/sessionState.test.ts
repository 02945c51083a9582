import { describe, expect, it } from 'vitest';
import { SessionUpdateConfigSchema } from '../../../plugin/shared/protocol/clientEvents.js';
import { SessionState } from '../../../server/emulator/realtime/SessionState.js';

const patch = (value: unknown) => SessionUpdateConfigSchema.parse(value);

describe('SessionState', () => {
  it('starts from the service defaults and a minted config, with the model fixed', () => {
    const state = new SessionState({ model: 'gpt-realtime', initial: { type: 'realtime', model: 'other', instructions: 'Be Brom.', audio: { output: { voice: 'ash' } } } });
    expect(state.wire).toMatchObject({ model: 'gpt-realtime', instructions: 'Be Brom.', object: 'realtime.session' });
    expect(state.view).toMatchObject({
      instructions: 'Be Brom.',
      outputModality: 'audio',
      maxOutputTokens: 'inf',
      inputFormat: 'pcm',
      voice: 'ash',
      transcribes: false,
      turnDetection: { type: 'server_vad', threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500, createResponse: true, interruptResponse: true },
    });
    expect(state.updatedByClient).toBe(false);
  });

  it('derives the typed view from every update: formats, tools, turn detection, transcription', () => {
    const state = new SessionState({ model: 'gpt-realtime' });
    const refused = state.update(
      patch({
        type: 'realtime',
        output_modalities: ['text'],
        tools: [{ type: 'function', name: 'give_item' }, { type: 'mcp' }],
        audio: { input: { format: 'g711_ulaw', transcription: { model: 'whisper-1' }, turn_detection: { type: 'semantic_vad', eagerness: 'high', create_response: false } } },
      }),
      false,
    );
    expect(refused).toBeNull();
    expect(state.view).toMatchObject({ outputModality: 'text', inputFormat: 'pcmu', transcribes: true });
    expect([...state.view.toolNames]).toEqual(['give_item']);
    expect(state.view.turnDetection).toMatchObject({ type: 'semantic_vad', eagerness: 'high', createResponse: false, interruptResponse: true });
    expect(state.update(patch({ type: 'realtime', audio: { input: { turn_detection: null } } }), false)).toBeNull();
    expect(state.view.turnDetection).toBeNull();
    expect(state.updatedByClient).toBe(true);
    expect(state.snapshot()).not.toBe(state.wire);
  });

  it('refuses a type change, over-long instructions and a voice change after audio, leaving the session as it was', () => {
    const state = new SessionState({ model: 'gpt-realtime', maxInstructionsChars: 10 });
    const before = state.snapshot();
    expect(state.update(patch({ type: 'transcription' }), false)).toMatchObject({ code: 'invalid_value', param: 'session.type' });
    expect(state.update(patch({ type: 'realtime', instructions: 'x'.repeat(11) }), false)).toMatchObject({ code: 'string_above_max_length' });
    expect(state.update(patch({ type: 'realtime', audio: { output: { voice: 'ash' } } }), true)).toMatchObject({ code: 'cannot_update_voice' });
    expect(state.update(patch({ type: 'realtime', voice: 'ash' }), true)).toMatchObject({ code: 'cannot_update_voice' });
    expect(state.snapshot()).toEqual(before);
    // The same voice is no change.
    expect(state.update(patch({ type: 'realtime', audio: { output: { voice: 'marin' } } }), true)).toBeNull();
  });
});
