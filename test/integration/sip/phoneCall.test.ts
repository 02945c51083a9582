// A real SIP phone (Debian's baresip) calls the server's emulator over loopback UDP: the server's own phone route
// answers `realtime.call.incoming` for the dialled persona, the NPC greets, the caller speaks a line and the NPC
// answers, all in G.711 RTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { floatToPcm16, pcm16ToFloat, rms } from '../../../plugin/shared/pcm16.js';
import { resample } from '../../../plugin/shared/resample.js';
import { readConfig } from '../../../server/config.js';
import { createNpcVoiceServer, type NpcVoiceServer } from '../../../server/createServer.js';
import { EMULATOR_CONTROL_KEY } from '../../../server/phone/phoneRoute.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence } from '../../support/speechFixtures.js';
import { RawClient } from '../emulator/helpers.js';
import { Baresip, baresipInstalled, wav8k } from './baresip.js';

const installed = baresipInstalled();

/** A server log that can be awaited line by line. */
class LogLines {
  readonly lines: string[] = [];
  private readonly waiters = new Set<{ pattern: RegExp; resolve: (m: RegExpExecArray) => void }>();
  push = (line: string): void => {
    this.lines.push(line);
    for (const waiter of [...this.waiters]) {
      const match = waiter.pattern.exec(line);
      if (match) {
        this.waiters.delete(waiter);
        waiter.resolve(match);
      }
    }
  };
  next(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no log line ${pattern}; last lines:\n${this.lines.slice(-10).join('\n')}`)), timeoutMs);
      this.waiters.add({
        pattern,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }
}

/** RMS of 8 kHz audio between two times. */
function rmsBetween(pcm: Int16Array, fromMs: number, toMs: number): number {
  return rms(pcm.subarray(Math.round(fromMs * 8), Math.round(toMs * 8)));
}

/** The player's line, as a phone would carry it: flite at 24 kHz, band-limited to 8 kHz. */
async function phoneLine(text: string): Promise<Buffer> {
  const speech = withSilence(await synthesizePlayerSpeech(text, 'awb'), 300, 1500);
  // A long tail of silence: aufile stops the source at the end of its file.
  return wav8k(withSilence(floatToPcm16(resample(pcm16ToFloat(speech), 24_000, 8000)), 0, 20_000, 8000));
}

describe.skipIf(!installed)('phoning an NPC from baresip', () => {
  const log = new LogLines();
  let server: NpcVoiceServer;
  let phone: Baresip;

  beforeAll(async () => {
    server = await createNpcVoiceServer({ config: readConfig({ NPC_VOICE_SIP_PORT: '0' }, { port: 0, host: '127.0.0.1' }), log: log.push });
    // The caller's microphone starts silent (a minute of it): the test makes it speak once the greeting is over.
    phone = await Baresip.start(wav8k(new Int16Array(8000 * 60)));
  });
  afterAll(async () => {
    await phone?.stop();
    await server?.close();
    await disposePlayerSpeech();
  });

  it('answers sip:blacksmith@, greets the caller, hears the line and answers it', { timeout: 60_000 }, async () => {
    expect(server.sipPort).toBeGreaterThan(0);
    const line = await phoneLine('tell me about the forge');
    const accepted = log.next(/phone: call (rtc_\w+) to blacksmith accepted/);
    phone.command(`/dial sip:blacksmith@127.0.0.1:${server.sipPort}`);
    const callId = (await accepted)[1] as string;
    await phone.waitFor(/Call established/);
    // The developer's view of the call: its sideband, with a standard key.
    const sideband = await RawClient.connect(`${server.url.replace(/^http/, 'ws')}/v1/realtime?call_id=${callId}`, {
      headers: { Authorization: `Bearer ${EMULATOR_CONTROL_KEY}` },
    });
    const greeting = await sideband.next((e) => e.type === 'response.output_audio_transcript.done', 20_000);
    expect(greeting.transcript).toBe('Welcome to my forge, traveler. Mind the sparks.');
    await sideband.next((e) => e.type === 'output_audio_buffer.stopped' && e.response_id === greeting.response_id, 20_000);

    phone.speak('line', line);
    const transcribed = await sideband.next((e) => e.type === 'conversation.item.input_audio_transcription.completed', 20_000);
    expect(transcribed.transcript).toBe('tell me about the forge');
    const answer = await sideband.next((e) => e.type === 'response.output_audio_transcript.done', 20_000);
    expect(answer.transcript).toBe('This forge has burned for forty years. My father lit it.');
    await sideband.next((e) => e.type === 'output_audio_buffer.stopped' && e.response_id === answer.response_id, 20_000);

    // The caller hangs up: the call and its sideband end.
    const sidebandClosed = new Promise<void>((resolve) => sideband.ws.once('close', () => resolve()));
    const ended = log.next(new RegExp(`sip call ${callId} ended \\(caller hung up\\)`));
    phone.command('/hangup');
    await phone.waitFor(/terminated/);
    await Promise.all([sidebandClosed, ended]);

    // What the phone heard, in 100 ms windows: the greeting's voice at once, and about as much voice again later
    // (the answer), over a line that is otherwise silent.
    const heard = phone.heard();
    const windows = Array.from({ length: Math.floor(heard.length / 800) }, (_, i) => rmsBetween(heard, i * 100, i * 100 + 100));
    const voicedMs = windows.filter((level) => level > 0.02).length * 100;
    expect(Math.max(...windows.slice(0, 30))).toBeGreaterThan(0.05);
    expect(voicedMs).toBeGreaterThan(4000);
    expect(windows.filter((level) => level < 0.001).length).toBeGreaterThan(10);
  });

  it('rejects a call to a persona the server does not have with 404', { timeout: 30_000 }, async () => {
    const rejected = log.next(/phone: call rtc_\w+ to nobody: no such persona/);
    phone.command(`/dial sip:nobody@127.0.0.1:${server.sipPort}`);
    await rejected;
    await phone.waitFor(/404 Not Found/);
  });
});
