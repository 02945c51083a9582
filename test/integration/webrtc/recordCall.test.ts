// NPC_VOICE_RECORD on a WebRTC call (issue 12 item 8): the real SDK's WebRTC transport on wrtc talks to the emulator;
// the call's data-channel events go to the cassette and its media audio to WAV files beside it.
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RealtimeAgent } from '@openai/agents-realtime';
import wavefile from 'wavefile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rms } from '../../../plugin/shared/pcm16.js';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { buildInstructions } from '../../../plugin/shared/sessionConfig.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { clientEvents, readCassette, serverEvents } from '../../../server/index.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { connectWebrtc, installWrtc, mintKey, SPEECH_RMS, uninstallWrtc } from './webrtcClient.js';

let dir: string;
let server: TestServer | undefined;
let smith: Persona;

beforeAll(async () => {
  await installWrtc();
  dir = await mkdtemp(path.join(tmpdir(), 'npc-voice-call-cassettes-'));
  smith = (await loadPersonas()).get('blacksmith') as Persona;
  server = await startTestServer({ NPC_VOICE_RECORD: dir });
});

afterAll(async () => {
  await server?.close();
  uninstallWrtc();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function wavSamples(file: string): { samples: Int16Array; rateHz: number } {
  const wav = new wavefile.WaveFile(readFileSync(file));
  const fmt = wav.fmt as { sampleRate?: unknown };
  return { samples: Int16Array.from(wav.getSamples(false, Int16Array) as ArrayLike<number>), rateHz: Number(fmt.sampleRate) };
}

describe('NPC_VOICE_RECORD on a WebRTC call', () => {
  it("records the call's events and the NPC's voice as heard on the track, with no key in the cassette", async () => {
    const key = await mintKey(server?.url ?? '', 'blacksmith');
    const client = await connectWebrtc({
      agent: new RealtimeAgent({ name: smith.displayName, instructions: buildInstructions(smith) }),
      apiKey: key.value,
      callsUrl: key.callsUrl,
      config: { audio: { input: { turnDetection: null } } },
    });
    const spoken = client.next((e) => e.type === 'output_audio_buffer.stopped', 30_000);
    client.session.sendMessage('Hello there!');
    await spoken;
    client.close();
    // Shutting down waits for the call to end and its cassette and WAV files to be written.
    await server?.close();
    server = undefined;

    const names = await readdir(dir);
    const cassetteName = names.find((name) => name.endsWith('.jsonl'));
    expect(cassetteName).toBeDefined();
    const file = path.join(dir, cassetteName ?? '');
    const cassette = await readCassette(file);
    expect(cassette.header).toMatchObject({ transport: 'webrtc', personaId: 'blacksmith', audio: { sampleRateHz: 24_000 } });
    expect(readFileSync(file, 'utf8')).not.toContain(key.value);
    expect(clientEvents(cassette).map((e) => e.type)).toEqual(expect.arrayContaining(['session.update', 'conversation.item.create', 'response.create']));
    const sent = serverEvents(cassette).map((e) => e.type);
    expect(sent).toEqual(expect.arrayContaining(['session.created', 'output_audio_buffer.started', 'response.done', 'output_audio_buffer.stopped']));
    // No audio rides the data channel: it is in the WAV files.
    expect(sent).not.toContain('response.output_audio.delta');
    expect(names.sort()).toEqual([cassetteName, cassette.header.audio?.input, cassette.header.audio?.output].sort());

    const output = wavSamples(path.join(dir, cassette.header.audio?.output ?? ''));
    expect(output.rateHz).toBe(24_000);
    let speechFrames = 0;
    for (let at = 0; at + 240 <= output.samples.length; at += 240) if (rms(output.samples.subarray(at, at + 240)) >= SPEECH_RMS) speechFrames++;
    // The greeting is spoken for well over a second (10 ms frames).
    expect(speechFrames).toBeGreaterThan(100);
    // The microphone sends silence meanwhile: the input track is recorded too.
    const input = wavSamples(path.join(dir, cassette.header.audio?.input ?? ''));
    expect(input.samples.length).toBeGreaterThan(24_000);
  });
});
