import { describe, expect, it } from 'vitest';
import type { ServerEventBody, ServerItem } from '../../../plugin/shared/protocol/serverEvents.js';
import { Conversation, type ConversationEntry, type ConversationOptions } from '../../../server/emulator/realtime/Conversation.js';
import { pngDataUrl } from '../../support/images.js';

/** A conversation whose events are recorded; `generating` marks the entry a response would be producing. */
function setup(options: Partial<ConversationOptions> = {}) {
  const events: ServerEventBody[] = [];
  let generating: ConversationEntry | null = null;
  const conversation = new Conversation({ emit: (e) => events.push(e), generating: () => generating, ...options });
  return {
    conversation,
    events,
    types: () => events.map((e) => e.type),
    setGenerating: (entry: ConversationEntry | null) => (generating = entry),
  };
}

const userText = (id: string, text = id) => ({ type: 'message' as const, id, role: 'user' as const, content: [{ type: 'input_text' as const, text }] });

/** An assistant audio item with `ms` of produced PCM16 24 kHz audio, as a response leaves it. */
function assistantAudio(conversation: Conversation, id: string, ms: number): ConversationEntry {
  const item: ServerItem = { id, object: 'realtime.item', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_audio', transcript: 'Welcome.' }] };
  const entry = conversation.addOutput(item, 'pcm');
  conversation.storeProducedAudio(entry, new Uint8Array(ms * 48).fill(7));
  return entry;
}

const storedBytes = (entry: ConversationEntry | undefined): number => (entry?.audio ?? []).reduce((n, c) => n + c.length, 0);

describe('Conversation ordering', () => {
  it("inserts items at the end, after a given item or first for 'root', and announces each with its previous_item_id", () => {
    const { conversation, events } = setup();
    expect(conversation.create(userText('a'), undefined)).toBeNull();
    expect(conversation.create(userText('b'), 'root')).toBeNull();
    expect(conversation.create(userText('c'), 'b')).toBeNull();
    expect(conversation.entries.map((e) => e.item.id)).toEqual(['b', 'c', 'a']);
    const added = events.filter((e) => e.type === 'conversation.item.added');
    expect(added.map((e) => [e.item.id, e.previous_item_id])).toEqual([
      ['a', null],
      ['b', null],
      ['c', 'b'],
    ]);
    expect(events.map((e) => e.type)).toEqual(Array(3).fill(['conversation.item.added', 'conversation.item.done']).flat());
    expect(conversation.previousId(conversation.find('a') as ConversationEntry)).toBe('c');
  });

  it('refuses an unknown previous item and a duplicate id without changing the conversation', () => {
    const { conversation, events } = setup();
    conversation.create(userText('a'), undefined);
    events.length = 0;
    expect(conversation.create(userText('b'), 'nope')).toMatchObject({ code: 'invalid_value', param: 'previous_item_id' });
    expect(conversation.create(userText('a'), undefined)).toMatchObject({ code: 'invalid_value', param: 'item.id' });
    expect(conversation.entries.map((e) => e.item.id)).toEqual(['a']);
    expect(events).toEqual([]);
  });

  it('gives client items without an id a server id, and user audio an explicit null transcript', () => {
    const { conversation, events } = setup();
    conversation.create({ type: 'message', role: 'user', content: [{ type: 'input_audio', audio: Buffer.from([1, 2, 3, 4]).toString('base64') }] }, undefined);
    const [entry] = conversation.entries;
    expect(entry?.item.id).toMatch(/^item_[0-9a-f]{20}$/);
    expect(entry?.item).toMatchObject({ type: 'message', content: [{ type: 'input_audio', transcript: null }] });
    expect(storedBytes(entry)).toBe(4);
    expect(events[0]).toMatchObject({ type: 'conversation.item.added', item: { id: entry?.item.id } });
  });

  it('commits user audio at the end, reporting committed between insertion and the item events', () => {
    const { conversation, events } = setup();
    conversation.create(userText('a'), undefined);
    events.length = 0;
    const seen: (string | null)[] = [];
    const entry = conversation.addUserAudio('item_u', new Int16Array(2400), 'hello', (previous) => {
      seen.push(previous);
      events.push({ type: 'input_audio_buffer.committed', item_id: 'item_u', previous_item_id: previous });
    });
    expect(seen).toEqual(['a']);
    expect(events.map((e) => e.type)).toEqual(['input_audio_buffer.committed', 'conversation.item.added', 'conversation.item.done']);
    expect(storedBytes(entry)).toBe(4800);
    conversation.transcribe(entry, 'hello there', 1.234);
    expect(events.slice(3).map((e) => e.type)).toEqual([
      'conversation.item.input_audio_transcription.delta',
      'conversation.item.input_audio_transcription.delta',
      'conversation.item.input_audio_transcription.completed',
    ]);
    expect(entry.item).toMatchObject({ content: [{ type: 'input_audio', transcript: 'hello there' }] });
    expect(events.at(-1)).toMatchObject({ transcript: 'hello there', usage: { type: 'duration', seconds: 1.23 } });
  });
});

describe('Conversation input transcription', () => {
  it('adds logprobs to every delta and to the completed transcript when the session includes them', () => {
    const { conversation, events } = setup();
    const entry = conversation.addUserAudio('item_u', new Int16Array(2400), 'give me a sword', () => undefined);
    events.length = 0;
    conversation.transcribe(entry, 'give me a sword', 1, { logprobs: true });
    const deltas = events.filter((e) => e.type === 'conversation.item.input_audio_transcription.delta');
    expect(deltas.map((e) => ('delta' in e ? e.delta : ''))).toEqual(['give', ' me', ' a', ' sword']);
    for (const delta of deltas) {
      if (delta.type !== 'conversation.item.input_audio_transcription.delta') continue;
      expect(delta.logprobs).toEqual([{ token: delta.delta, bytes: [...Buffer.from(delta.delta)], logprob: 0 }]);
    }
    const completed = events.at(-1);
    if (completed?.type !== 'conversation.item.input_audio_transcription.completed') throw new Error('no completed event');
    expect(completed.logprobs?.map((p) => p.token).join('')).toBe('give me a sword');
    expect(completed.logprobs?.every((p) => p.logprob <= 0 && p.bytes.length === Buffer.byteLength(p.token))).toBe(true);
  });

  it('sends no logprobs field unless asked', () => {
    const { conversation, events } = setup();
    const entry = conversation.addUserAudio('item_u', new Int16Array(2400), 'hello', () => undefined);
    conversation.transcribe(entry, 'hello', 1);
    expect(events.filter((e) => 'logprobs' in e)).toEqual([]);
  });
});

describe('Conversation truncation', () => {
  it('keeps the first audio_end_ms of an assistant item, drops its transcript and reports the truncation', () => {
    const { conversation, events } = setup();
    const entry = assistantAudio(conversation, 'item_a', 1000);
    let stopped = 0;
    expect(conversation.truncate('item_a', 0, 250, () => stopped++)).toBeNull();
    expect(storedBytes(entry)).toBe(250 * 48);
    expect(entry.item).toMatchObject({ content: [{ type: 'output_audio', transcript: '' }] });
    expect(events).toEqual([{ type: 'conversation.item.truncated', item_id: 'item_a', content_index: 0, audio_end_ms: 250 }]);
    expect(stopped).toBe(0);
  });

  it('refuses to truncate past the produced audio, a user item, a missing part and a missing item', () => {
    const { conversation, events } = setup();
    const entry = assistantAudio(conversation, 'item_a', 1000);
    conversation.create(userText('u'), undefined);
    events.length = 0;
    expect(conversation.truncate('item_a', 0, 1500, () => {})).toMatchObject({ param: 'audio_end_ms', message: 'Audio content of 1000ms is already shorter than 1500ms' });
    expect(conversation.truncate('u', 0, 10, () => {})).toMatchObject({ message: 'Only assistant messages can be truncated.' });
    expect(conversation.truncate('item_a', 1, 10, () => {})).toMatchObject({ param: 'content_index' });
    expect(conversation.truncate('gone', 0, 10, () => {})).toMatchObject({ code: 'item_not_found' });
    expect(storedBytes(entry)).toBe(1000 * 48);
    expect(events).toEqual([]);
  });

  it('stops the response generating the item before truncating it', () => {
    const { conversation, setGenerating, types } = setup();
    const entry = assistantAudio(conversation, 'item_a', 600);
    setGenerating(entry);
    const order: string[] = [];
    conversation.truncate('item_a', 0, 100, () => order.push(`stop with ${types().length} events`));
    expect(order).toEqual(['stop with 0 events']);
    expect(types()).toEqual(['conversation.item.truncated']);
  });

  it('truncates at the position actually played, clamped to what was produced', () => {
    const { conversation, events } = setup();
    const entry = assistantAudio(conversation, 'item_a', 400);
    conversation.truncateAtPlayback({ responseId: 'resp_1', itemId: 'item_a', playedMs: 900.6 });
    expect(events).toEqual([{ type: 'conversation.item.truncated', item_id: 'item_a', content_index: 0, audio_end_ms: 400 }]);
    conversation.truncateAtPlayback({ responseId: 'resp_1', itemId: 'item_a', playedMs: 120.9 });
    expect(storedBytes(entry)).toBe(120 * 48);
  });

  it('drops the audio of old items over the stored-audio cap, and then refuses to truncate them', () => {
    const { conversation } = setup({ maxStoredAudioBytes: 100 * 48 });
    const old = assistantAudio(conversation, 'item_old', 80);
    const newest = assistantAudio(conversation, 'item_new', 80);
    conversation.capStoredAudio();
    expect(storedBytes(old)).toBe(0);
    expect(old.audioDropped).toBe(true);
    expect(storedBytes(newest)).toBe(80 * 48);
    expect(conversation.truncate('item_old', 0, 10, () => {})).toMatchObject({ message: expect.stringContaining('no longer stored') });
  });
});

describe('Conversation delete and retrieve', () => {
  it('deletes an item, but not one a response is generating or one it does not have', () => {
    const { conversation, events, setGenerating } = setup();
    conversation.create(userText('a'), undefined);
    const speaking = assistantAudio(conversation, 'item_s', 100);
    setGenerating(speaking);
    events.length = 0;
    expect(conversation.delete('item_s')).toMatchObject({ code: 'invalid_value', param: 'item_id' });
    expect(conversation.delete('zzz')).toMatchObject({ code: 'item_not_found' });
    expect(conversation.delete('a')).toBeNull();
    expect(conversation.entries.map((e) => e.item.id)).toEqual(['item_s']);
    expect(events).toEqual([{ type: 'conversation.item.deleted', item_id: 'a' }]);
  });

  it('retrieves an item with its audio, or without the audio when the event would be too large', () => {
    const small = setup();
    assistantAudio(small.conversation, 'item_a', 100);
    expect(small.conversation.retrieve('item_a')).toBeNull();
    const [retrieved] = small.events;
    const part = retrieved?.type === 'conversation.item.retrieved' && retrieved.item.type === 'message' ? retrieved.item.content[0] : undefined;
    expect(part).toMatchObject({ type: 'output_audio', transcript: 'Welcome.' });
    expect(Buffer.from((part as { audio: string }).audio, 'base64').length).toBe(100 * 48);

    const capped = setup({ maxEventBytes: 64 * 1024 });
    assistantAudio(capped.conversation, 'item_a', 1000);
    capped.conversation.retrieve('item_a');
    expect(capped.events[0]).toMatchObject({ type: 'conversation.item.retrieved', item: { content: [{ type: 'output_audio', transcript: 'Welcome.' }] } });
    expect(JSON.stringify(capped.events[0])).not.toContain('"audio":"');
    expect(capped.conversation.retrieve('nope')).toMatchObject({ code: 'item_not_found' });
  });
});

describe('Conversation images', () => {
  const imageItem = (id: string, url: string) => ({ type: 'message' as const, id, role: 'user' as const, content: [{ type: 'input_image' as const, image_url: url }] });

  it('keeps what it read of each picture, counts its tokens, and reads them from the cache the second time', () => {
    const { conversation } = setup();
    expect(conversation.create(imageItem('a', pngDataUrl(640, 360)), undefined)).toBeNull();
    expect(conversation.find('a')?.images?.map((i) => [i.width, i.height, i.tokens])).toEqual([[640, 360, 425]]);
    expect(conversation.imageTokens()).toEqual({ tokens: 425, cached: 0 });
    expect(conversation.create(imageItem('b', pngDataUrl(16, 16)), undefined)).toBeNull();
    expect(conversation.imageTokens()).toEqual({ tokens: 680, cached: 425 });
    expect(conversation.imageTokens()).toEqual({ tokens: 680, cached: 680 });
  });

  it('refuses a bad picture without storing or announcing anything', () => {
    const { conversation, events } = setup();
    const error = conversation.create(imageItem('a', 'data:image/gif;base64,R0lGODlhAQABAAAAACw='), undefined);
    expect(error).toMatchObject({ code: 'invalid_image_format', param: 'item.content.0.image_url' });
    expect(conversation.entries).toHaveLength(0);
    expect(events).toEqual([]);
  });

  it('echoes a picture too large for one event of the transport without its data URL, in added/done and retrieve', () => {
    // The emulator leaves 16 KiB of an event to the rest of it: a 17 KiB event has room for about 1 KiB of picture.
    const { conversation, events } = setup({ maxEventBytes: 17 * 1024 });
    const big = pngDataUrl(400, 400);
    expect(big.length).toBeGreaterThan(2 * 1024);
    conversation.create({ ...imageItem('big', big), content: [{ type: 'input_image', image_url: big, detail: 'low' }] }, undefined);
    conversation.create(imageItem('small', pngDataUrl(8, 8)), undefined);
    conversation.retrieve('big');
    const parts = events.map((e) => ('item' in e ? (e.item as { content?: unknown[] }).content?.[0] : undefined));
    expect(parts).toEqual([
      { type: 'input_image', detail: 'low' },
      { type: 'input_image', detail: 'low' },
      { type: 'input_image', image_url: expect.stringMatching(/^data:image\/png;base64,/) },
      { type: 'input_image', image_url: expect.stringMatching(/^data:image\/png;base64,/) },
      { type: 'input_image', detail: 'low' },
    ]);
  });
});
