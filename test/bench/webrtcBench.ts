import { RealtimeAgent, RealtimeSession } from '@openai/agents-realtime';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Persona } from '../../plugin/shared/personaSchema.js';
import { rms } from '../../plugin/shared/pcm16.js';
import { buildInstructions } from '../../plugin/shared/sessionConfig.js';
import { loadPersonas } from '../../server/personas/loadPersonas.js';
import { connectWebrtc, installWrtc, mintKey, SPEECH_RMS, uninstallWrtc } from '../integration/webrtc/webrtcClient.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence } from '../support/speechFixtures.js';
import { startTestServer } from '../support/testServer.js';

const TURNS = 10;
const PHRASE = 'who are you';
const CHUNK_SAMPLES = 1200; // 50 ms at 24 kHz

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

const ms = (v: number): string => `${Math.round(v)} ms`;

const sessionConfig = {
  audio: {
    input: {
      transcription: { model: 'gpt-4o-mini-transcribe' },
      turnDetection: { type: 'server_vad' as const, silenceDurationMs: 500, createResponse: true, interruptResponse: true },
    },
  },
};

/**
 * Voice to voice over WebRTC vs WebSocket against the same emulator in the same run: the player's speech is fed in
 * real time (WebRTC: 10 ms frames on the mic track; WebSocket: 50 ms `input_audio_buffer.append` every 50 ms) and
 * the latency is from the end of the speech to the first NPC audio with energy at the client (WebRTC: decoded frame
 * from the remote track; WebSocket: first `audio` chunk with energy). Returns markdown.
 */
export async function runWebrtcBench(): Promise<string> {
  await installWrtc();
  const server = await startTestServer();
  try {
    const guard = (await loadPersonas()).get('guard') as Persona;
    const speech = withSilence(await synthesizePlayerSpeech(PHRASE, 'awb'), 300, 0);
    const agent = (): RealtimeAgent => new RealtimeAgent({ name: guard.displayName, instructions: buildInstructions(guard) });

    // WebRTC: the SDK's own transport on wrtc, the mic sends silence between utterances like a real one.
    const webrtc: number[] = [];
    const key = await mintKey(server.url, 'guard');
    const client = await connectWebrtc({ agent: agent(), apiKey: key.value, callsUrl: key.callsUrl, config: sessionConfig });
    try {
      for (let turn = 0; turn < TURNS; turn++) {
        const stopped = client.next((e) => e.type === 'output_audio_buffer.stopped', 30_000);
        const endOfSpeech = await client.mic.say(speech);
        const heard = await client.remote.waitForSpeech(endOfSpeech, 30_000);
        webrtc.push(heard - endOfSpeech);
        await stopped;
      }
    } finally {
      client.close();
    }

    // WebSocket: the same persona, key flow and speech through the SDK's WebSocket transport.
    const websocket: number[] = [];
    const wsKey = await mintKey(server.url, 'guard');
    const session = new RealtimeSession(agent(), { transport: 'websocket', model: 'gpt-realtime', config: sessionConfig });
    await session.connect({ apiKey: wsKey.value, url: `${server.wsUrl}?model=gpt-realtime` });
    const silence = new Int16Array(CHUNK_SAMPLES);
    try {
      for (let turn = 0; turn < TURNS; turn++) {
        let endOfSpeech = -1;
        const heard = new Promise<number>((resolve) => {
          const onAudio = (event: { data: ArrayBuffer }): void => {
            if (endOfSpeech < 0 || rms(new Int16Array(event.data)) < SPEECH_RMS) return;
            session.off('audio', onAudio);
            resolve(performance.now());
          };
          session.on('audio', onAudio);
        });
        const done = new Promise<void>((resolve) => session.once('agent_end', () => resolve()));
        let answered = false;
        void heard.then(() => (answered = true));
        const start = performance.now();
        let sent = 0;
        // Real-time feed: speech, then silence until the answer starts (as an open mic would).
        for (let i = 0; !answered && i < 30_000 / 50; i++) {
          const chunk = sent < speech.length ? speech.slice(sent, sent + CHUNK_SAMPLES) : silence;
          sent += CHUNK_SAMPLES;
          session.sendAudio(chunk.slice().buffer);
          if (endOfSpeech < 0 && sent >= speech.length) endOfSpeech = performance.now();
          const wait = start + (i + 1) * 50 - performance.now();
          if (wait > 0) await sleep(wait);
        }
        websocket.push((await heard) - endOfSpeech);
        await done;
      }
    } finally {
      session.close();
    }

    const row = (name: string, v: number[]): string => `| ${name} | ${v.length} | ${ms(percentile(v, 50))} | ${ms(percentile(v, 95))} | ${ms(Math.min(...v))} | ${ms(Math.max(...v))} |`;
    return [
      '### Voice to voice: WebRTC vs WebSocket (same emulator, same run)',
      '',
      `Player says "${PHRASE}" (flite awb) to the guard (server VAD, 500 ms silence), fed in real time through the Agents SDK. ` +
        'Latency = end of the player\'s speech at the client → first NPC audio with energy at the client ' +
        '(WebRTC: Opus-decoded frame from the remote track via RTCAudioSink; WebSocket: first `audio` chunk). ' +
        'Both include the 500 ms VAD silence window.',
      '',
      '| transport | turns | p50 | p95 | min | max |',
      '| --- | --- | --- | --- | --- | --- |',
      row('WebRTC (@roamhq/wrtc, 10 ms frames)', webrtc),
      row('WebSocket (50 ms appends)', websocket),
      '',
    ].join('\n');
  } finally {
    await server.close();
    await disposePlayerSpeech();
    uninstallWrtc();
  }
}
