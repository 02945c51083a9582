// Speech fixtures for tests: "player" audio spoken by flite. Player voices are awb and slt at default pitch and rate;
// NPC personas never use exactly these settings, so a test can always tell the player's voice from an NPC's.
import { writeFileSync } from 'node:fs';
import wavefile from 'wavefile';
import { createFliteTts, type FliteTts } from '../../server/emulator/speech/fliteTts.js';
import { SAMPLE_RATE_HZ } from '../../server/emulator/speech/types.js';

/** The flite voices a test "player" speaks with. */
export type PlayerVoice = 'awb' | 'slt';

let ttsPromise: Promise<FliteTts> | undefined;

/** Speaks `text` as the player would: flite `awb` or `slt` at default pitch and rate, PCM16 mono at 24 kHz. */
export async function synthesizePlayerSpeech(text: string, voice: PlayerVoice = 'awb'): Promise<Int16Array> {
  // One engine per test worker: compiling flite once is the expensive part.
  ttsPromise ??= createFliteTts();
  const tts = await ttsPromise;
  return tts.synthesize(text, { engine: 'flite', voice, rate: 1 });
}

/** Frees the shared player-voice engine (its temp directory); call from `afterAll` of files that synthesize. */
export async function disposePlayerSpeech(): Promise<void> {
  const pending = ttsPromise;
  ttsPromise = undefined;
  if (pending) (await pending).dispose();
}

/** Surrounds PCM16 24 kHz audio with digital silence, e.g. to give a VAD a clean onset and offset. */
export function withSilence(pcm: Int16Array, beforeMs: number, afterMs: number, rateHz = SAMPLE_RATE_HZ): Int16Array {
  const before = Math.round((beforeMs * rateHz) / 1000);
  const after = Math.round((afterMs * rateHz) / 1000);
  const out = new Int16Array(before + pcm.length + after);
  out.set(pcm, before);
  return out;
}

/** Writes mono PCM16 to a WAV file, for listening to what a failing test heard. */
export function writeWav(path: string, pcm: Int16Array, rateHz = SAMPLE_RATE_HZ): void {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, rateHz, '16', pcm);
  writeFileSync(path, wav.toBuffer());
}
