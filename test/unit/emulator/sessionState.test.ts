import { describe, expect, it } from 'vitest';
import { SessionUpdateConfigSchema } from '../../../plugin/shared/protocol/clientEvents.js';
import { SessionState, initialSession } from '../../../server/emulator/realtime/SessionState.js';

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
    expect(state.update(patch({ type: 'transcription' }), false)).toMatchObject({
      code: 'invalid_value',
      param: 'session.type',
      message: expect.stringContaining('Passing a transcription session update event to a realtime session is not allowed'),
    });
    expect(state.update(patch({ type: 'realtime', instructions: 'x'.repeat(11) }), false)).toMatchObject({ code: 'string_above_max_length' });
    expect(state.update(patch({ type: 'realtime', audio: { output: { voice: 'ash' } } }), true)).toMatchObject({ code: 'cannot_update_voice' });
    expect(state.update(patch({ type: 'realtime', voice: 'ash' }), true)).toMatchObject({ code: 'cannot_update_voice' });
    expect(state.snapshot()).toEqual(before);
    // The same voice is no change.
    expect(state.update(patch({ type: 'realtime', audio: { output: { voice: 'marin' } } }), true)).toBeNull();
  });

  it('opens a transcription session as the GA transcription object: input audio only, transcribing, no model or output', () => {
    const state = new SessionState({ model: 'gpt-realtime', kind: 'transcription' });
    expect(state.kind).toBe('transcription');
    expect(state.wire).toMatchObject({
      type: 'transcription',
      object: 'realtime.transcription_session',
      include: null,
      audio: {
        input: {
          format: { type: 'audio/pcm', rate: 24000 },
          transcription: { model: 'gpt-4o-mini-transcribe' },
          noise_reduction: null,
          turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 },
        },
      },
    });
    expect(Object.keys(state.wire).sort()).toEqual(['audio', 'expires_at', 'id', 'include', 'object', 'type']);
    expect(Object.keys(state.wire.audio as object)).toEqual(['input']);
    expect(state.view).toMatchObject({ kind: 'transcription', transcribes: true, transcriptionLogprobs: false });
  });

  it('takes a transcription session from a key minted for one, and a realtime key lends nothing to ?intent=transcription', () => {
    const minted = initialSession('transcription', 'unused', { type: 'transcription', audio: { input: { transcription: { model: 'whisper-1', language: 'en' } } } });
    const fromKey = new SessionState({ model: 'gpt-realtime', initial: minted });
    expect(fromKey.kind).toBe('transcription');
    expect(fromKey.wire).toMatchObject({ audio: { input: { transcription: { model: 'whisper-1', language: 'en' } } } });
    const intent = new SessionState({ model: 'gpt-realtime', kind: 'transcription', initial: { type: 'realtime', instructions: 'Be Brom.' } });
    expect(intent.wire).not.toHaveProperty('instructions');
    expect(intent.wire.type).toBe('transcription');
  });

  it('updates a transcription session with include and input settings, and refuses realtime fields and the other type', () => {
    const state = new SessionState({ model: 'gpt-realtime', kind: 'transcription' });
    expect(
      state.update(patch({ type: 'transcription', include: ['item.input_audio_transcription.logprobs'], audio: { input: { noise_reduction: { type: 'near_field' }, turn_detection: null } } }), false),
    ).toBeNull();
    expect(state.view).toMatchObject({ transcriptionLogprobs: true, turnDetection: null });
    expect(state.wire).toMatchObject({ include: ['item.input_audio_transcription.logprobs'], audio: { input: { noise_reduction: { type: 'near_field' } } } });
    const before = state.snapshot();
    expect(state.update(patch({ type: 'transcription', instructions: 'Be Brom.' }), false)).toEqual({
      type: 'invalid_request_error',
      code: 'unknown_parameter',
      message: "Unknown parameter: 'session.instructions'.",
      param: 'session.instructions',
    });
    expect(state.update(patch({ type: 'transcription', audio: { output: { voice: 'ash' } } }), false)).toMatchObject({ code: 'unknown_parameter', param: 'session.audio.output' });
    expect(state.update(patch({ type: 'realtime' }), false)).toMatchObject({
      code: 'invalid_value',
      param: 'session.type',
      message: expect.stringContaining('Passing a realtime session update event to a transcription session is not allowed'),
    });
    expect(state.snapshot()).toEqual(before);
  });
});
