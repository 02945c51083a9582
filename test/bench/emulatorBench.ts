import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { WebSocket } from 'ws';
import type { Persona } from '../../plugin/shared/personaSchema.js';
import { pcm16ToBase64 } from '../../plugin/shared/pcm16.js';
import { buildInstructions } from '../../plugin/shared/sessionConfig.js';
import { CachingTts } from '../../server/emulator/CachingTts.js';
import { KeyStore } from '../../server/emulator/keyStore.js';
import { attachRealtimeEmulator, type RealtimeEmulator } from '../../server/emulator/realtimeEndpoint.js';
import { createFliteWorkerPool } from '../../server/emulator/speech/FliteWorkerPool.js';
import { createSphinxStt } from '../../server/emulator/speech/sphinxStt.js';
import { loadPersonas } from '../../server/personas/loadPersonas.js';
import { synthesizePlayerSpeech, withSilence } from '../support/speechFixtures.js';

type WireEvent = Record<string, unknown> & { type: string };

/** A raw client that resolves waits on server events (the bench measures the emulator, not the SDK). */
class BenchClient {
  private listeners = new Set<(e: WireEvent) => void>();
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const text = String(data);
      // The clients share the process (and its 2 cores) with the server: skip parsing the bulky audio deltas, whose
      // content the bench never reads, so client work does not pollute the server's numbers. The engine puts `type` first.
      const event = text.startsWith('{"type":"response.output_audio.delta"')
        ? { type: 'response.output_audio.delta' }
        : (JSON.parse(text) as WireEvent);
      for (const l of [...this.listeners]) l(event);
    });
  }
  static async open(url: string, key: string): Promise<BenchClient> {
    const ws = new WebSocket(url, { headers: { Authorization: `Bearer ${key}` } });
    const client = new BenchClient(ws);
    const created = client.waitFor((e) => e.type === 'session.created');
    await once(ws, 'open');
    await created;
    return client;
  }
  send(event: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(event));
  }
  waitFor(predicate: (e: WireEvent) => boolean, timeoutMs = 60_000): Promise<WireEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error('bench: timed out waiting for an event'));
      }, timeoutMs);
      const listener = (e: WireEvent): void => {
        if (!predicate(e)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(e);
      };
      this.listeners.add(listener);
    });
  }
  async configure(session: Record<string, unknown>): Promise<void> {
    const updated = this.waitFor((e) => e.type === 'session.updated');
    this.send({ type: 'session.update', session: { type: 'realtime', ...session } });
    await updated;
  }
  /** Sends a user text and response.create; resolves with ms to the first audio delta once the response is done. */
  async textTurn(text: string): Promise<{ ttfaMs: number; status: string }> {
    this.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
    const firstAudio = this.waitFor((e) => e.type === 'response.output_audio.delta').then(() => performance.now());
    const done = this.waitFor((e) => e.type === 'response.done');
    const t0 = performance.now();
    this.send({ type: 'response.create' });
    const ttfaMs = (await firstAudio) - t0;
    const finished = await done;
    return { ttfaMs, status: String((finished.response as { status?: unknown }).status) };
  }
  close(): void {
    this.ws.close();
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

const fmt = (ms: number): string => `${ms.toFixed(1)} ms`;

const LINES = ['hello', 'tell me about the forge', 'what about steel', 'where is the road north', 'who are you', 'goodbye', 'tell me about magic', 'mumble'];

/**
 * Emulator latency and load: response.create → first audio delta over 40 turns, voice-to-voice latency with
 * server VAD (silence 500 ms) on real-time streamed speech, and 100 concurrent sessions answering at once.
 */
export async function runEmulatorBench(): Promise<string> {
  const personas = await loadPersonas();
  const blacksmith = personas.get('blacksmith') as Persona;
  // The TTS the server ships: flite in a worker thread (NPC_VOICE_TTS_WORKERS=1), so synthesis never blocks the loop.
  const [flite, stt] = await Promise.all([createFliteWorkerPool({ size: 1, warmUp: true }), createSphinxStt()]);
  const tts = new CachingTts(flite);
  const server = http.createServer();
  const keyStore = new KeyStore();
  // The emulator finds a session's persona from its key, as the mint route binds it.
  const key = keyStore.issue({ type: 'realtime' }, 3600, 'blacksmith').value;
  const emulator: RealtimeEmulator = attachRealtimeEmulator(server, {
    keyStore,
    personas: () => personas,
    tts,
    stt,
    acceptAnyBearer: true,
    maxSessions: 500,
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/realtime?model=gpt-realtime`;
  const instructions = buildInstructions(blacksmith);
  const out: string[] = ['## Emulator', ''];
  try {
    // 1. Time to first audio, one session, 40 turns. The first use of each line misses the TTS cache.
    const client = await BenchClient.open(url, key);
    await client.configure({ instructions, audio: { input: { turn_detection: null } } });
    const all: number[] = [];
    const cold: number[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const line = LINES[i % LINES.length] as string;
      const { ttfaMs } = await client.textTurn(line);
      all.push(ttfaMs);
      if (!seen.has(line)) cold.push(ttfaMs);
      seen.add(line);
    }
    const warm = all.filter((_, i) => i >= LINES.length);
    const slowest = all.indexOf(Math.max(...all));
    client.close();
    out.push(
      '### response.create → first `response.output_audio.delta` (one session, raw WebSocket client)',
      '',
      '| turns | p50 | p95 | max | goal |',
      '|---|---|---|---|---|',
      `| all ${all.length} | ${fmt(percentile(all, 50))} | ${fmt(percentile(all, 95))} | ${fmt(Math.max(...all))} | p95 ≤ 100 ms |`,
      `| first use of each of ${cold.length} lines (TTS cache miss, except the pre-warmed greeting/fallback/farewell) | ${fmt(percentile(cold, 50))} | ${fmt(percentile(cold, 95))} | ${fmt(Math.max(...cold))} | |`,
      `| repeated lines (${warm.length}) | ${fmt(percentile(warm, 50))} | ${fmt(percentile(warm, 95))} | ${fmt(Math.max(...warm))} | |`,
      '',
      `Slowest turn: #${slowest + 1} ("${LINES[slowest % LINES.length]}"), ${fmt(all[slowest] ?? Number.NaN)}.`,
      '',
    );

    // 2. Voice to voice: speech streamed in real time (50 ms chunks every 50 ms), server VAD with 500 ms silence.
    const speech = await synthesizePlayerSpeech('tell me about the forge', 'awb');
    const padded = withSilence(speech, 300, 1500);
    const v2v: number[] = [];
    const afterVad: number[] = [];
    const voice = await BenchClient.open(url, key);
    await voice.configure({
      instructions,
      audio: { input: { transcription: { model: 'gpt-4o-mini-transcribe' }, turn_detection: { type: 'server_vad', silence_duration_ms: 500 } } },
    });
    for (let turn = 0; turn < 8; turn++) {
      // Timestamp on arrival: the send loop below may still be running when the answer starts.
      const firstAudio = voice.waitFor((e) => e.type === 'response.output_audio.delta').then(() => performance.now());
      const done = voice.waitFor((e) => e.type === 'response.done');
      const stopped = voice.waitFor((e) => e.type === 'input_audio_buffer.speech_stopped').then((e) => ({ at: performance.now(), endMs: Number(e.audio_end_ms) }));
      const sentAt: number[] = [];
      const start = performance.now();
      for (let i = 0, n = 0; i < padded.length; i += 1200, n++) {
        const due = start + n * 50;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        voice.send({ type: 'input_audio_buffer.append', audio: pcm16ToBase64(padded.subarray(i, i + 1200)) });
        sentAt.push(performance.now());
      }
      const vad = await stopped;
      const first = await firstAudio;
      // End of speech as the VAD placed it (audio_end_ms on this session's input clock), mapped to when that chunk was sent.
      const endChunk = Math.floor((vad.endMs - turn * (padded.length / 24)) / 50);
      const speechEndAt = sentAt[Math.min(sentAt.length - 1, Math.max(0, endChunk))] ?? Number.NaN;
      v2v.push(first - speechEndAt);
      afterVad.push(first - vad.at);
      await done;
    }
    voice.close();
    out.push(
      '### Voice to voice inside the emulator (end of speech in the input stream → first audio delta)',
      '',
      'Player speech ("tell me about the forge", flite awb) streamed in real time in 50 ms chunks; server VAD with',
      '`silence_duration_ms: 500`, transcription on. The number includes the silence the VAD must hear (500 ms, minus the',
      'part of it already inside the chunk that ends the speech); the last column is the emulator\'s own processing.',
      '',
      'End of speech = the chunk holding the `audio_end_ms` the VAD reported.',
      '',
      '| turns | p50 | p95 | speech_stopped → first audio p50 / p95 |',
      '|---|---|---|---|',
      `| ${v2v.length} | ${fmt(percentile(v2v, 50))} | ${fmt(percentile(v2v, 95))} | ${fmt(percentile(afterVad, 50))} / ${fmt(percentile(afterVad, 95))} |`,
      '',
    );

    // 3. 100 concurrent sessions, each running one turn at the same moment.
    const clients = await Promise.all(Array.from({ length: 100 }, () => BenchClient.open(url, key)));
    await Promise.all(clients.map((c) => c.configure({ instructions, audio: { input: { turn_detection: null } } })));
    const t0 = performance.now();
    const results = await Promise.allSettled(clients.map((c, i) => c.textTurn(LINES[i % 6] as string)));
    const wallMs = performance.now() - t0;
    const ok = results.filter((r): r is PromiseFulfilledResult<{ ttfaMs: number; status: string }> => r.status === 'fulfilled' && r.value.status === 'completed');
    const ttfa = ok.map((r) => r.value.ttfaMs);
    for (const c of clients) c.close();
    out.push(
      '### 100 concurrent sessions, one turn each at once',
      '',
      '| completed | TTFA p50 | TTFA p95 | all done after | goal |',
      '|---|---|---|---|---|',
      `| ${ok.length}/100 | ${fmt(percentile(ttfa, 50))} | ${fmt(percentile(ttfa, 95))} | ${fmt(wallMs)} | all complete, p95 ≤ 300 ms |`,
      '',
      'Audio is paced at 4× real time after a 300 ms burst, so "all done" is bounded by the longest line / 4.',
      '',
    );
  } finally {
    await emulator.close();
    server.close();
    await flite.close();
    stt.dispose();
  }
  return out.join('\n');
}
