// The README's "Record and replay" example, run as written (test/unit/docs/readmeSnippets.test.ts checks the README
// shows its regions verbatim): a game's test replays a recorded conversation with the real SDK, synthesizing nothing.
import { mkdtemp, rename, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RealtimeAgent, RealtimeSession } from '@openai/agents-realtime';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createNpcVoiceServer, readCassette, readConfig, serverEvents } from '../../../server/index.js';

let cassettes: string;

// #region readme:replay-script
/** The game's conversation, as its test script plays it: mint a key, connect, say hello, hear the answer. */
async function sayHello(serverUrl: string, cassette = ''): Promise<string> {
  const mint = await fetch(`${serverUrl}/api/npc-voice/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ persona: 'blacksmith' }),
  });
  const { value, url } = (await mint.json()) as { value: string; url: string };
  const session = new RealtimeSession(new RealtimeAgent({ name: 'Brom' }), { transport: 'websocket' });
  const heard = new Promise<string>((resolve) => session.on('agent_end', (_context, _agent, text) => resolve(text)));
  await session.connect({ apiKey: value, url: `${url}${cassette}` });
  session.sendMessage('Hello there!');
  const text = await heard;
  session.close();
  return text;
}
// #endregion readme:replay-script

beforeAll(async () => {
  // What `NPC_VOICE_RECORD=test/cassettes npm run server` and one run of the game's test leave behind.
  cassettes = await mkdtemp(path.join(tmpdir(), 'npc-voice-example-'));
  const recorder = await createNpcVoiceServer({ config: readConfig({ NPC_VOICE_RECORD: cassettes }, { port: 0 }), log: () => {} });
  try {
    await sayHello(recorder.url);
  } finally {
    await recorder.close();
  }
  const [recorded] = await readdir(cassettes);
  await rename(path.join(cassettes, recorded ?? ''), path.join(cassettes, 'brom-hello.jsonl'));
});

afterAll(async () => {
  if (cassettes) await rm(cassettes, { recursive: true, force: true });
});

it('replays a recorded conversation in a game test, as the README shows', async () => {
  // #region readme:replay
  const server = await createNpcVoiceServer({ config: readConfig({ NPC_VOICE_REPLAY: cassettes }, { port: 0 }), log: () => {} });
  // The same script that was recorded; `&cassette=` picks the file (without it: the next one by name).
  const answer = await sayHello(server.url, '&cassette=brom-hello');
  expect(answer).toBe('Welcome to my forge, traveler. Mind the sparks.');
  // The cassette itself, for assertions on what the session sent.
  const cassette = await readCassette(path.join(cassettes, 'brom-hello.jsonl'));
  const spoken = serverEvents(cassette).filter((event) => event.type === 'response.output_audio_transcript.done');
  expect(spoken.map((event) => event.transcript)).toEqual([answer]);
  await server.close();
  // #endregion readme:replay
});
