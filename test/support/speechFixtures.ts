// Speech fixtures for tests: "player" audio spoken by flite. Player voices are awb and slt at default pitch and rate;
// NPC personas never use exactly these settings, so a test can always tell the player's voice from an NPC's.
import { writeFileSync } from 'node:fs';
import wavefile from 'wavefile';
import { floatToPcm16, pcm16ToFloat } from '../../plugin/shared/pcm16.js';
import { resample } from '../../plugin/shared/resample.js';
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

/**
 * Deterministic uniform random numbers in [0, 1) (mulberry32), so a noisy fixture is the same in every run and a
 * failure can be replayed.
 */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const clamp16 = (v: number): number => Math.max(-32768, Math.min(32767, Math.round(v)));

/**
 * Adds white noise with the given RMS level in dBFS (0 dBFS = a full-scale square wave), like the hiss of a real
 * microphone and preamp: -66 is a quiet room with a good headset, -50 a laptop mic. Returns a new buffer.
 */
export function addWhiteNoise(pcm: Int16Array, dbfs: number, seed = 1): Int16Array {
  // Uniform noise in [-a, a] has an RMS of a / sqrt(3).
  const amp = 32768 * 10 ** (dbfs / 20) * Math.sqrt(3);
  const next = random(seed);
  return Int16Array.from(pcm, (v) => clamp16(v + (next() * 2 - 1) * amp));
}

/**
 * Adds ±1 LSB of random dither (each sample moves by -1, 0 or +1): inaudible, but no microphone delivers the exact
 * digital zeros that synthesized fixtures are padded with. Returns a new buffer.
 */
export function addDither(pcm: Int16Array, seed = 1): Int16Array {
  const next = random(seed);
  return Int16Array.from(pcm, (v) => clamp16(v + Math.floor(next() * 3) - 1));
}

/**
 * Resamples 24 kHz audio to `viaHz` and back, as a browser does when it captures the mic at 48 kHz and the plugin
 * sends 24 kHz: the low-pass filters and the rounding to PCM16 twice change every sample a little.
 */
export function resampleRoundTrip(pcm: Int16Array, viaHz = 48_000, rateHz = SAMPLE_RATE_HZ): Int16Array {
  const up = floatToPcm16(resample(pcm16ToFloat(pcm), rateHz, viaHz));
  return floatToPcm16(resample(pcm16ToFloat(up), viaHz, rateHz)).subarray(0, pcm.length);
}

/**
 * Surrounds speech with seconds of low noise instead of digital silence, the way a push-to-talk turn looks when the
 * player holds the key long before and after a short phrase; the noise covers the speech too.
 */
export function withNoisePadding(pcm: Int16Array, beforeMs: number, afterMs: number, dbfs: number, seed = 1): Int16Array {
  return addWhiteNoise(withSilence(pcm, beforeMs, afterMs), dbfs, seed);
}

/** Writes mono PCM16 to a WAV file, for listening to what a failing test heard. */
export function writeWav(path: string, pcm: Int16Array, rateHz = SAMPLE_RATE_HZ): void {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, rateHz, '16', pcm);
  writeFileSync(path, wav.toBuffer());
}
