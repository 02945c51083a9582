import { RealtimeAgent, RealtimeSession } from '@openai/agents-realtime';
import { describe, expect, it } from 'vitest';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { DEFAULT_IMAGE_LINE } from '../../../server/emulator/brain/PersonaBrain.js';
import { jpegDataUrl, jpegSize, pngDataUrl } from '../../support/images.js';
import { nextSessionEvent, RawClient, useEmulatorFixture, type WireEvent } from './helpers.js';

const emu = useEmulatorFixture();
const MODEL = 'gpt-realtime';

/** A raw session of `personaId` (the blacksmith authored `onImage` lines; the guard did not) without turn detection. */
async function openSession(personaId = 'blacksmith'): Promise<RawClient> {
  const client = await RawClient.connect(`${emu.server.wsUrl}?model=${MODEL}`, { headers: { Authorization: `Bearer ${emu.server.mintKey(personaId)}` } });
  await client.nextOfType('session.created');
  client.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'], audio: { input: { turn_detection: null } } } });
  await client.nextOfType('session.updated');
  return client;
}

const imageItem = (imageUrl: string, extra: Record<string, unknown> = {}) => ({
  type: 'message',
  role: 'user',
  content: [{ type: 'input_image', image_url: imageUrl, ...extra }],
});

interface Usage {
  input_tokens: number;
  input_token_details: { text_tokens: number; image_tokens: number; cached_tokens: number; cached_tokens_details: { image_tokens: number } };
}

/** Asks for a response and waits for its `response.done`: the text it said and its usage. */
async function respond(client: RawClient): Promise<{ text: string; usage: Usage }> {
  client.send({ type: 'response.create' });
  const done = await client.nextOfType('response.done');
  const response = done.response as { output: { content: { text?: string }[] }[]; usage: Usage };
  return { text: response.output.map((o) => o.content.map((c) => c.text ?? '').join('')).join(''), usage: response.usage };
}

describe('images in the emulator (raw WebSocket client)', () => {
  it('stores an input_image, echoes it, speaks the persona image lines in turn and counts image tokens in usage', async () => {
    const client = await openSession();
    const url = pngDataUrl(640, 360);
    client.send({ type: 'conversation.item.create', item: imageItem(url) });
    const added = await client.nextOfType('conversation.item.added');
    expect(added.item).toMatchObject({ type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_image', image_url: url }] });
    await client.nextOfType('conversation.item.done');
    const first = await respond(client);
    const lines = emu.blacksmith.onImage as string[];
    expect(first.text).toBe(lines[0]);
    // 640×360 at high detail: two 512 px tiles.
    expect(first.usage.input_token_details).toMatchObject({ image_tokens: 425, cached_tokens: 0, cached_tokens_details: { image_tokens: 0 } });
    expect(first.usage.input_tokens).toBe(first.usage.input_token_details.text_tokens + 425);

    // The next response takes the same picture again, from the prompt cache; with nothing new said it greets.
    const second = await respond(client);
    expect(second.text).toBe(emu.blacksmith.greeting);
    expect(second.usage.input_token_details).toMatchObject({ image_tokens: 425, cached_tokens: 425, cached_tokens_details: { image_tokens: 425 } });

    // A second picture, low detail: the persona's second line, 85 more tokens of which none cached.
    client.send({ type: 'conversation.item.create', item: imageItem(jpegDataUrl(1600, 900), { detail: 'low' }) });
    const echoed = await client.nextOfType('conversation.item.added');
    expect((echoed.item as { content: unknown[] }).content).toEqual([expect.objectContaining({ type: 'input_image', detail: 'low' })]);
    const third = await respond(client);
    expect(third.text).toBe(lines[1]);
    expect(third.usage.input_token_details).toMatchObject({ image_tokens: 510, cached_tokens: 425 });
    await client.close();
  });

  it('answers words shown with a picture when it understands them, and the picture otherwise', async () => {
    const client = await openSession();
    const forge = emu.blacksmith.knowledge.find((k) => k.topic === 'forge');
    client.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'tell me about the forge' }, { type: 'input_image', image_url: jpegDataUrl(64, 64) }] },
    });
    expect((await respond(client)).text).toBe(forge?.answer);
    client.send({
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'what is this' }, { type: 'input_image', image_url: jpegDataUrl(64, 64) }] },
    });
    expect((await respond(client)).text).toBe((emu.blacksmith.onImage as string[])[0]);
    await client.close();
  });

  it('speaks a default line for a persona without onImage', async () => {
    const client = await openSession('guard');
    client.send({ type: 'conversation.item.create', item: imageItem(jpegDataUrl(32, 32)) });
    expect((await respond(client)).text).toBe(DEFAULT_IMAGE_LINE);
    await client.close();
  });

  it('refuses bad images with an error naming the param; nothing is stored and the session goes on', async () => {
    const client = await openSession();
    const bad: [string, unknown, string][] = [
      ['gif', 'data:image/gif;base64,R0lGODlhAQABAAAAACw=', 'invalid_image_format'],
      ['url', 'https://example.com/scene.jpg', 'invalid_image_url'],
      ['garbage', 'data:image/jpeg;base64,bm90IGEganBlZw==', 'image_parse_error'],
      ['huge', `data:image/jpeg;base64,${'A'.repeat(14 * 1024 * 1024)}`, 'image_too_large'],
      ['missing', undefined, 'missing_required_parameter'],
    ];
    for (const [eventId, url, code] of bad) {
      client.send({ type: 'conversation.item.create', event_id: eventId, item: imageItem(url as string) });
      const error = await client.nextOfType('error', 20_000);
      expect(error.error, eventId).toMatchObject({ type: 'invalid_request_error', code, param: 'item.content.0.image_url', event_id: eventId });
    }
    client.send({ type: 'conversation.item.create', event_id: 'detail', item: imageItem(jpegDataUrl(8, 8), { detail: 'ultra' }) });
    expect((await client.nextOfType('error')).error).toMatchObject({ code: 'invalid_value', param: 'item.content.0.detail', event_id: 'detail' });
    // An out-of-band response's own input is checked the same way.
    client.send({ type: 'response.create', event_id: 'oob', response: { conversation: 'none', input: [imageItem('data:image/webp;base64,UklGRg==')] } });
    expect((await client.nextOfType('error')).error).toMatchObject({ code: 'invalid_image_format', param: 'response.input.0.content.0.image_url', event_id: 'oob' });
    expect(client.events.some((e) => e.type === 'conversation.item.added')).toBe(false);
    client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hello' }] } });
    const answer = await respond(client);
    expect(answer.text).toBe(emu.blacksmith.greeting);
    expect(answer.usage.input_token_details.image_tokens).toBe(0);
    await client.close();
  });
});

describe('images with the real Agents SDK (WebSocket)', () => {
  it('session.addImage sends the picture, the NPC answers with its image line, and usage counts it', async () => {
    const agent = new RealtimeAgent({ name: 'Brom', instructions: buildInstructions(emu.blacksmith) });
    const session = new RealtimeSession(agent, { transport: 'websocket', model: MODEL, config: { audio: { input: { turnDetection: null } } } });
    const events: WireEvent[] = [];
    session.on('transport_event', (event) => events.push(event as WireEvent));
    await session.connect({ apiKey: emu.server.mintKey('blacksmith'), url: `${emu.server.wsUrl}?model=${MODEL}` });
    try {
      // Without a response: the picture is only added.
      const stored = nextSessionEvent(session, 'transport_event', ([e]) => (e as WireEvent).type === 'conversation.item.done');
      session.addImage(jpegDataUrl(320, 180), { triggerResponse: false });
      const [done] = (await stored) as [WireEvent];
      const part = (done.item as { content: { type: string; image_url: string }[] }).content[0];
      expect(part?.type).toBe('input_image');
      expect(jpegSize(part?.image_url ?? '')).toEqual({ width: 320, height: 180 });
      expect(events.some((e) => e.type === 'response.created')).toBe(false);

      const ended = nextSessionEvent(session, 'agent_end');
      session.addImage(jpegDataUrl(800, 600));
      const [, , text] = await ended;
      expect(text).toBe((emu.blacksmith.onImage as string[])[0]);
      const response = events.filter((e) => e.type === 'response.done').at(-1)?.response as { usage: Usage };
      // Both pictures are in the conversation: 320×180 is one tile (255), 800×600 four (765); none cached yet.
      expect(response.usage.input_token_details).toMatchObject({ image_tokens: 1020, cached_tokens: 0 });
    } finally {
      session.close();
    }
  });
});
