import { describe, expect, it } from 'vitest';
import { ServerEventReader } from '../../../../plugin/session/serverEvents.js';
import * as transportEvents from '../../../../plugin/session/transportEvents.js';

function reader() {
  const log: unknown[] = [];
  const r = new ServerEventReader(transportEvents, {
    playerTranscript: (text, final) => log.push(['player', text, final]),
    npcTranscriptDelta: (delta) => log.push(['npcDelta', delta]),
    npcTranscript: (text) => log.push(['npc', text]),
    usage: (u) => log.push(['usage', u]),
    outputAudio: (playing) => log.push(['output', playing]),
  });
  return { r, log };
}

describe('ServerEventReader', () => {
  it('builds the player transcript per item from deltas and reports the trimmed final text', () => {
    const { r, log } = reader();
    r.read({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'a', delta: 'give ' });
    r.read({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'b', delta: 'hi' });
    r.read({ type: 'conversation.item.input_audio_transcription.delta', item_id: 'a', delta: 'me' });
    r.read({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'a', transcript: ' give me a sword ' });
    expect(log).toEqual([
      ['player', 'give ', false],
      ['player', 'hi', false],
      ['player', 'give me', false],
      ['player', 'give me a sword', true],
    ]);
  });

  it("reports the NPC's words as they come and whole, from audio transcripts or text, falling back to the deltas", () => {
    const { r, log } = reader();
    r.read({ type: 'response.output_audio_transcript.delta', delta: 'Hello ' });
    r.read({ type: 'response.output_audio_transcript.done', transcript: 'Hello there.' });
    r.read({ type: 'response.output_text.delta', delta: 'Aye' });
    r.read({ type: 'response.output_text.done', text: 'Aye.' });
    r.read({ type: 'response.output_audio_transcript.delta', delta: 'Cut ' });
    r.read({ type: 'response.output_audio_transcript.done' });
    expect(log).toEqual([
      ['npcDelta', 'Hello '],
      ['npc', 'Hello there.'],
      ['npcDelta', 'Aye'],
      ['npc', 'Aye.'],
      ['npcDelta', 'Cut '],
      ['npc', 'Cut'],
    ]);
  });

  it('reads usage and the output audio buffer, and ignores what it does not know or cannot read', () => {
    const { r, log } = reader();
    r.read({ type: 'response.done', response: { usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } } });
    r.read({ type: 'response.done', response: {} });
    r.read({ type: 'output_audio_buffer.started' });
    r.read({ type: 'output_audio_buffer.cleared' });
    r.read({ type: 'session.updated', session: {} });
    r.read({ type: 'conversation.item.input_audio_transcription.delta', item_id: 7 });
    r.read('not an event');
    r.read(null);
    expect(log).toEqual([
      ['usage', { inputTokens: 10, outputTokens: 5, totalTokens: 15 }],
      ['output', true],
      ['output', false],
    ]);
  });
});
