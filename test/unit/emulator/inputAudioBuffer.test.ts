import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatPcm16, pcm16Bytes } from '../../../plugin/shared/pcm16.js';
import { InputAudioBuffer, type CommittedTurn } from '../../../server/emulator/realtime/InputAudioBuffer.js';
import type { TurnDetection } from '../../../server/emulator/realtime/SessionState.js';
import { buildGrammar } from '../../../server/emulator/speech/grammar.js';
import { createSphinxStt, type SphinxStt } from '../../../server/emulator/speech/sphinxStt.js';
import { SAMPLE_RATE_HZ } from '../../../server/emulator/speech/types.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence } from '../../support/speechFixtures.js';

const samples = (ms: number): number => Math.round((ms * SAMPLE_RATE_HZ) / 1000);
const silence = (ms: number): Int16Array => new Int16Array(samples(ms));
/** A 220 Hz tone at about -12 dBFS: loud, steady "speech" for the energy VAD. */
const tone = (ms: number): Int16Array => Int16Array.from({ length: samples(ms) }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / SAMPLE_RATE_HZ)));
const concat = (...parts: Int16Array[]): Int16Array => concatPcm16(parts);

const SERVER_VAD: TurnDetection = { type: 'server_vad', threshold: 0.5, prefixPaddingMs: 300, silenceDurationMs: 500, idleTimeoutMs: null, createResponse: true, interruptResponse: true };

type Hook = ['started', string, number] | ['stopped', string, number] | ['committed', CommittedTurn];

let stt: SphinxStt;
const grammar = buildGrammar(['where is the blacksmith']);

beforeAll(async () => {
  stt = await createSphinxStt();
});

afterAll(async () => {
  stt?.dispose();
  await disposePlayerSpeech();
});

function setup(turnDetection: TurnDetection | null) {
  const hooks: Hook[] = [];
  const buffer = new InputAudioBuffer({
    stt,
    grammar: () => grammar,
    hooks: {
      speechStarted: (itemId, ms) => hooks.push(['started', itemId, ms]),
      speechStopped: (itemId, ms) => hooks.push(['stopped', itemId, ms]),
      committed: (turn) => hooks.push(['committed', turn]),
    },
  });
  buffer.configure(turnDetection);
  return { buffer, hooks };
}

/** Feeds audio in 20 ms chunks, as a media track delivers it. */
function feed(buffer: InputAudioBuffer, pcm: Int16Array): void {
  const chunk = samples(20);
  for (let i = 0; i < pcm.length; i += chunk) buffer.appendPcm(pcm.subarray(i, Math.min(pcm.length, i + chunk)));
}

describe('InputAudioBuffer with server VAD', () => {
  it('reports speech start and stop with the same item id, then commits the turn with the audio from the prefix padding', () => {
    const { buffer, hooks } = setup(SERVER_VAD);
    feed(buffer, concat(silence(1000), tone(800), silence(700)));
    expect(hooks.map((h) => h[0])).toEqual(['started', 'stopped', 'committed']);
    const [started, stopped, committed] = hooks;
    if (started?.[0] !== 'started' || stopped?.[0] !== 'stopped' || committed?.[0] !== 'committed') throw new Error('hooks out of order');
    expect(started[1]).toMatch(/^item_/);
    expect(stopped[1]).toBe(started[1]);
    // Onset at 1000 ms, moved back by the 300 ms prefix padding; the end is the last speech frame.
    expect(started[2]).toBe(700);
    expect(stopped[2]).toBe(1800);
    expect(committed[1]).toMatchObject({ itemId: started[1], detected: true });
    expect(committed[1].pcm.length).toBe(samples(1800 - 700));
    // What was committed is gone; only the silence after the turn's end stays buffered, for the next turn.
    expect(buffer.bufferedMs).toBe(2500 - 1800);
  });

  it('reports nothing for silence, and drops the speech in progress on clear', () => {
    const { buffer, hooks } = setup(SERVER_VAD);
    feed(buffer, silence(3000));
    expect(hooks).toEqual([]);
    feed(buffer, tone(300));
    expect(hooks.map((h) => h[0])).toEqual(['started']);
    expect(buffer.inSpeech).toBe(true);
    buffer.clear();
    expect(buffer.inSpeech).toBe(false);
    expect(buffer.bufferedMs).toBe(0);
    feed(buffer, silence(1000));
    // The cleared speech never stops or commits.
    expect(hooks.map((h) => h[0])).toEqual(['started']);
  });

  it('ends a turn in progress on a manual commit, reusing the announced item id', () => {
    const { buffer, hooks } = setup(SERVER_VAD);
    feed(buffer, concat(silence(500), tone(400)));
    const started = hooks[0];
    expect(buffer.commit()).toBeNull();
    expect(hooks[1]).toMatchObject(['committed', { itemId: started?.[1], detected: false }]);
    expect(buffer.inSpeech).toBe(false);
  });
});

describe('InputAudioBuffer without turn detection', () => {
  it('refuses to commit less than 100 ms, then commits what was appended as base64 and recognises it', async () => {
    const { buffer, hooks } = setup(null);
    expect(buffer.append(Buffer.from(pcm16Bytes(silence(40))).toString('base64'), 'pcm')).toBeNull();
    expect(buffer.commit()).toEqual({
      type: 'invalid_request_error',
      code: 'input_audio_buffer_commit_empty',
      message: 'Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, but buffer only has 40.00ms of audio.',
      param: null,
    });
    const speech = withSilence(await synthesizePlayerSpeech('where is the blacksmith'), 300, 300);
    expect(buffer.append(Buffer.from(pcm16Bytes(speech)).toString('base64'), 'pcm')).toBeNull();
    // No VAD: speech alone reports nothing until the commit.
    expect(hooks).toEqual([]);
    expect(buffer.commit()).toBeNull();
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject(['committed', { heard: 'where is the blacksmith', detected: false }]);
    const turn = hooks[0]?.[1] as CommittedTurn;
    expect(turn.pcm.length).toBe(samples(40) + speech.length);
    expect(buffer.bufferedMs).toBe(0);
  });

  it('clears the buffer so the next commit is empty', () => {
    const { buffer, hooks } = setup(null);
    feed(buffer, tone(500));
    expect(buffer.bufferedMs).toBe(500);
    buffer.clear();
    expect(buffer.commit()).toMatchObject({ code: 'input_audio_buffer_commit_empty' });
    expect(hooks).toEqual([]);
  });

  it('refuses appends that are not base64', () => {
    const { buffer } = setup(null);
    expect(buffer.append('not base64!', 'pcm')).toMatchObject({ code: 'invalid_value', param: 'audio' });
    expect(buffer.bufferedMs).toBe(0);
  });

  it('decodes G.711 μ-law at 8 kHz to 24 kHz PCM', () => {
    const { buffer } = setup(null);
    // 800 bytes of μ-law silence (0xFF) are 100 ms at 8 kHz.
    expect(buffer.append(Buffer.alloc(800, 0xff).toString('base64'), 'pcmu')).toBeNull();
    expect(buffer.bufferedMs).toBeGreaterThan(95);
    expect(buffer.bufferedMs).toBeLessThanOrEqual(100);
  });
});
