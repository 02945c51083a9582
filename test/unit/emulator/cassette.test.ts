import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import wavefile from 'wavefile';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CassetteError, parseCassette, readCassette, serverEvents, clientEvents, type CassetteHeader } from '../../../server/emulator/record/cassette.js';
import { CassetteLibrary } from '../../../server/emulator/record/CassetteLibrary.js';
import { SessionRecorder } from '../../../server/emulator/record/SessionRecorder.js';
import { redactCassetteLine, SessionRecording } from '../../../server/emulator/record/SessionRecording.js';
import { ConfigError } from '../../../server/config.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'npc-voice-cassette-unit-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const HEADER: CassetteHeader = {
  cassette: 1,
  model: 'gpt-realtime',
  personaId: 'blacksmith',
  transport: 'websocket',
  startedAt: '2026-12-04T14:55:01.123Z',
  session: { type: 'realtime' },
};

function cassetteText(...entries: object[]): string {
  return [HEADER, ...entries].map((line) => JSON.stringify(line)).join('\n') + '\n';
}

describe('SessionRecording (the cassette writer)', () => {
  it('writes a header line and one line per event, client messages as sent (malformed ones as text)', async () => {
    const file = path.join(dir, 'a.jsonl');
    const recording = SessionRecording.open({ file, header: HEADER });
    recording.server({ type: 'session.created', event_id: 'e1' });
    recording.client(JSON.stringify({ type: 'session.update', session: { type: 'realtime' } }));
    recording.client('{not json');
    recording.client('[1,2]');
    recording.server({ type: 'session.updated', event_id: 'e2' });
    await recording.close();
    await recording.close();
    const cassette = await readCassette(file);
    expect(cassette.header).toEqual(HEADER);
    expect(cassette.entries.map(({ direction, event, text }) => ({ direction, event, text }))).toEqual([
      { direction: 'server', event: { type: 'session.created', event_id: 'e1' }, text: undefined },
      { direction: 'client', event: { type: 'session.update', session: { type: 'realtime' } }, text: undefined },
      { direction: 'client', event: undefined, text: '{not json' },
      { direction: 'client', event: undefined, text: '[1,2]' },
      { direction: 'server', event: { type: 'session.updated', event_id: 'e2' }, text: undefined },
    ]);
    expect(serverEvents(cassette).map((e) => e.type)).toEqual(['session.created', 'session.updated']);
    expect(clientEvents(cassette).map((e) => e.type)).toEqual(['session.update']);
    // Nothing is written after close.
    recording.server({ type: 'late' });
    expect((await readFile(file, 'utf8')).split('\n').filter(Boolean)).toHaveLength(6);
  });

  it("redacts the session's key, any ek_/sk- key, bearer tokens and authorization fields, and leaves base64 audio alone", () => {
    const audio = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256)).toString('base64');
    const line = JSON.stringify({
      type: 'x',
      text: 'use ek_abcdef0123456789 or sk-proj-ABCdef123456 or Bearer opaque-token',
      Authorization: 'Bearer ek_0011223344',
      delta: audio,
      own: 'my-session-secret',
    });
    const redacted = JSON.parse(redactCassetteLine(line, ['my-session-secret'])) as Record<string, string>;
    expect(redacted).toEqual({
      type: 'x',
      text: 'use ek_[redacted] or sk-[redacted] or Bearer [redacted]',
      Authorization: '[redacted]',
      delta: audio,
      own: '[redacted]',
    });
  });

  it('keeps a WebRTC call\'s media audio as WAV files beside the cassette', async () => {
    const recorder = await SessionRecorder.create(path.join(dir, 'nested', 'calls'));
    const recording = recorder.start({ transport: 'webrtc', model: 'gpt-realtime', personaId: 'blacksmith', session: undefined, key: 'ek_unit' });
    recording.inputAudio(new Int16Array(240).fill(1000));
    const frame = new Int16Array(240).fill(-2000);
    recording.outputAudio(frame);
    // The pacer reuses its frame buffer: what was recorded must not change with it.
    frame.fill(0);
    recording.outputAudio(frame);
    await recording.close();
    const cassette = await readCassette(recording.file);
    const audio = cassette.header.audio;
    expect(audio).toMatchObject({ sampleRateHz: 24_000 });
    const samples = (name: string): Int16Array => {
      const wav = new wavefile.WaveFile(readFileSync(path.join(path.dirname(recording.file), name)));
      return Int16Array.from(wav.getSamples(false, Int16Array) as ArrayLike<number>);
    };
    const input = samples(audio?.input ?? '');
    const output = samples(audio?.output ?? '');
    expect(input.length).toBe(240);
    expect(input[0]).toBe(1000);
    expect(output.length).toBe(480);
    expect([output[0], output[239], output[240]]).toEqual([-2000, -2000, 0]);
  });

  it('never fails the session when the cassette cannot be written: it logs once and stops recording', async () => {
    const lines: string[] = [];
    const recording = SessionRecording.open({ file: path.join(dir, 'gone', 'a.jsonl'), header: HEADER, log: (line) => lines.push(line) });
    recording.server({ type: 'session.created' });
    await recording.close();
    recording.client('{"type":"session.update"}');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^emulator: recording a\.jsonl stopped: ENOENT/);
  });

  it('names cassettes by start time, persona and sequence, so their names sort in start order', async () => {
    const recorder = await SessionRecorder.create(dir);
    const first = recorder.start({ transport: 'websocket', model: 'm', personaId: 'old/../sage', session: undefined });
    const second = recorder.start({ transport: 'websocket', model: 'm', personaId: undefined, session: undefined });
    await Promise.all([first.close(), second.close()]);
    const [a, b] = [path.basename(first.file), path.basename(second.file)];
    expect(a).toMatch(/Z-old_.._sage-0001\.jsonl$/);
    expect(b).toMatch(/Z-session-0002\.jsonl$/);
    expect([b, a].sort()).toEqual([a, b]);
  });
});

describe('parseCassette / readCassette', () => {
  it('names the file, the line and the field of a bad cassette', async () => {
    expect(() => parseCassette('', 'x.jsonl')).toThrow(new CassetteError('x.jsonl: empty file (expected a header line)'));
    expect(() => parseCassette(JSON.stringify({ ...HEADER, transport: 'sip' }), 'x.jsonl')).toThrow(/^x\.jsonl:1: bad header: transport: transport must be "websocket" or "webrtc"$/);
    expect(() => parseCassette(cassetteText({ ms: 1, direction: 'sideways', event: {} }), 'x.jsonl')).toThrow(/^x\.jsonl:2: direction: direction must be "client" or "server"$/);
    expect(() => parseCassette(cassetteText({ ms: 1, direction: 'client' }), 'x.jsonl')).toThrow('x.jsonl:2: an entry has exactly one of "event" and "text"');
    expect(() => parseCassette(`${JSON.stringify(HEADER)}\n{oops`, 'x.jsonl')).toThrow(/^x\.jsonl:2: not JSON/);
    const file = path.join(dir, 'bad.jsonl');
    await writeFile(file, JSON.stringify({ ...HEADER, cassette: 2 }));
    await expect(readCassette(file)).rejects.toThrow(`${file}:1: bad header: cassette: cassette must be 1 (the format version)`);
  });
});

describe('CassetteLibrary (the replay directory)', () => {
  it('serves the next cassette by name, starting again after the last, or the one a session names', async () => {
    await writeFile(path.join(dir, 'b.jsonl'), cassetteText({ ms: 0, direction: 'server', event: { type: 'b' } }));
    await writeFile(path.join(dir, 'a.jsonl'), cassetteText({ ms: 0, direction: 'server', event: { type: 'a' } }));
    await writeFile(path.join(dir, 'notes.txt'), 'not a cassette');
    const library = await CassetteLibrary.open(dir);
    const picks = [];
    for (let i = 0; i < 3; i++) {
      const pick = await library.pick(null);
      picks.push(pick.ok ? pick.name : pick.error.code);
    }
    expect(picks).toEqual(['a.jsonl', 'b.jsonl', 'a.jsonl']);
    const named = await library.pick('b');
    expect(named.ok && serverEvents(named.cassette)).toEqual([{ type: 'b' }]);
  });

  it('refuses names outside the directory or missing (404) and broken cassettes (500), saying which', async () => {
    await writeFile(path.join(dir, 'broken.jsonl'), `${JSON.stringify(HEADER)}\n{"ms":-1,"direction":"server","event":{}}\n`);
    const library = await CassetteLibrary.open(dir);
    expect(await library.pick('../broken')).toMatchObject({ ok: false, status: 404, error: { code: 'cassette_not_found', param: 'cassette' } });
    expect(await library.pick('missing')).toMatchObject({ ok: false, status: 404, error: { message: "No cassette named 'missing' in the replay directory (NPC_VOICE_REPLAY)." } });
    expect(await library.pick('broken')).toMatchObject({
      ok: false,
      status: 500,
      error: { type: 'server_error', code: 'invalid_cassette', message: 'The cassette cannot be replayed: broken.jsonl:2: ms: ms must not be negative' },
    });
  });

  it('answers 404 when the directory holds no cassette, and refuses at startup a path that is no directory', async () => {
    const library = await CassetteLibrary.open(dir);
    expect(await library.pick(null)).toMatchObject({ ok: false, status: 404, error: { code: 'cassette_not_found' } });
    await expect(CassetteLibrary.open(path.join(dir, 'nope'))).rejects.toThrow(ConfigError);
    await expect(CassetteLibrary.open(path.join(dir, 'nope'))).rejects.toThrow(/^NPC_VOICE_REPLAY: .*nope is not a directory/);
  });
});
