// The recognizer's second pass: general English for speech the persona grammar rejected ("hello, good morning",
// "what's the weather like today"). soundswallower is grammar-only (its WASM build has no N-gram search), so this pass
// runs Debian's PocketSphinx (`pocketsphinx` + `pocketsphinx-en-us`: a 16 kHz continuous acoustic model, a trigram
// language model of general English and CMUdict) as one long-lived `pocketsphinx_batch` child process: it reads its
// control file line by line and flushes each hypothesis to stdout, so the 27 MB model loads once and every utterance
// costs only its decode, off the event loop. The control and hypothesis files are FIFOs (the tool cannot open Node's
// stdio sockets as files), opened read-write here so neither side blocks on open; audio goes through the same
// temporary directory as raw 16 kHz files.
import { execFileSync, spawn, type ChildProcessByStdio } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { floatToPcm16, pcm16ToFloat } from '../../../plugin/shared/pcm16.js';
import { resample } from '../../../plugin/shared/resample.js';
import { normalizePhrase } from './grammar.js';
import { SAMPLE_RATE_HZ, type OpenVocabularyRecognizer } from './types.js';

/** Where Debian's `pocketsphinx-en-us` installs the English model. */
export const DEFAULT_OPEN_VOCABULARY_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/** The Debian packages the fallback needs, as an install command for log lines and errors. */
export const OPEN_VOCABULARY_INSTALL_COMMAND = 'apt-get install pocketsphinx pocketsphinx-en-us';

/** The PocketSphinx model's sample rate. */
const MODEL_RATE_HZ = 16_000;

/**
 * Decoder settings: the defaults of pocketsphinx_batch except a narrower beam and fewer active HMMs, which halved the
 * decode time in the STT bench at the same word error rate (see test/bench/RESULTS.md).
 */
export const OPEN_VOCABULARY_DECODER_FLAGS: Readonly<Record<string, string>> = { '-beam': '1e-40', '-pbeam': '1e-40', '-wbeam': '1e-24', '-maxhmmpf': '10000' };

/** A recognizer of general English for one utterance at a time (queued when several arrive together). */
export interface OpenVocabularyStt extends OpenVocabularyRecognizer {
  /** Stops the decoder process and removes its temporary files. Later calls resolve null. Safe to call twice. */
  close(): Promise<void>;
}

/** Options for {@link createOpenVocabularyStt}. */
export interface OpenVocabularySttOptions {
  /** The model directory: `en-us/` (acoustic model), `en-us.lm.bin` and `cmudict-en-us.dict` (default: Debian's). */
  modelDir?: string;
  /** The decoder executable (default `pocketsphinx_batch` on the PATH). */
  command?: string;
  /** Longest wait for one transcript before it counts as not understood (default 10 s). */
  timeoutMs?: number;
  /** PocketSphinx flags over {@link OPEN_VOCABULARY_DECODER_FLAGS} (e.g. `{ '-beam': '1e-48' }`), for tuning. */
  decoderFlags?: Readonly<Record<string, string>>;
  log?: (line: string) => void;
}

/** The fallback cannot run here: its Debian packages (or the configured model) are missing. */
export class OpenVocabularyUnavailableError extends Error {
  readonly code = 'open_vocabulary_unavailable';
  override readonly name = 'OpenVocabularyUnavailableError';
}

interface Pending {
  id: string;
  file: string;
  resolve: (text: string | null) => void;
  timer: NodeJS.Timeout;
}

/** Parses one hypothesis line, `words (uttid score)`; the words may be empty. */
export function parseHypothesisLine(line: string): { id: string; text: string } | null {
  const match = /^(.*?) ?\((\S+) -?\d+\)\s*$/.exec(line);
  if (!match) return null;
  return { id: match[2] as string, text: normalizePhrase((match[1] as string).replace(/\(\d+\)/g, '').replace(/<[^>]*>|\[[^\]]*\]/g, ' ')) };
}

function modelFiles(modelDir: string): { hmm: string; lm: string; dict: string } {
  return { hmm: join(modelDir, 'en-us'), lm: join(modelDir, 'en-us.lm.bin'), dict: join(modelDir, 'cmudict-en-us.dict') };
}

/**
 * Whether the fallback's Debian packages are installed: the model files in `modelDir` and `command` on the PATH.
 * (Starting it is the real test; this cheap check lets test suites skip where it is missing.)
 */
export function isOpenVocabularyInstalled(modelDir = DEFAULT_OPEN_VOCABULARY_MODEL_DIR, command = 'pocketsphinx_batch'): boolean {
  if (!Object.values(modelFiles(modelDir)).every((f) => existsSync(f))) return false;
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, command)));
}

/**
 * Starts the open-vocabulary decoder; resolves once it has decoded a warm-up utterance.
 *
 * @throws OpenVocabularyUnavailableError naming the Debian packages when the model or the executable is missing.
 * @example
 * const open = await createOpenVocabularyStt();
 * await open.transcribe(pcm24k); // 'what is the weather like today'
 */
export async function createOpenVocabularyStt(options: OpenVocabularySttOptions = {}): Promise<OpenVocabularyStt> {
  const modelDir = options.modelDir ?? DEFAULT_OPEN_VOCABULARY_MODEL_DIR;
  const files = modelFiles(modelDir);
  const missing = Object.values(files).filter((f) => !existsSync(f));
  if (missing.length > 0) {
    throw new OpenVocabularyUnavailableError(`the English model is missing (${missing.join(', ')}); install it with: ${OPEN_VOCABULARY_INSTALL_COMMAND}`);
  }
  const command = options.command ?? 'pocketsphinx_batch';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'npc-voice-asr-'));
  const args = [
    ...['-adcin', 'yes', '-cepdir', dir, '-cepext', '.raw', '-logfn', '/dev/null'],
    ...['-hmm', files.hmm, '-lm', files.lm, '-dict', files.dict, '-samprate', String(MODEL_RATE_HZ)],
    ...Object.entries({ ...OPEN_VOCABULARY_DECODER_FLAGS, ...options.decoderFlags }).flat(),
  ];
  const pending = new Map<string, Pending>();
  type Decoder = { proc: ChildProcessByStdio<null, null, Readable>; ctl: number };
  let child: Decoder | undefined;
  let launches = 0;
  let counter = 0;
  let closed = false;

  const settle = (id: string, text: string | null): void => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    clearTimeout(p.timer);
    try {
      unlinkSync(p.file);
    } catch {
      // Already gone with the directory.
    }
    p.resolve(text);
  };

  /** Starts (or restarts, after a crash) the decoder; resolves when it is running or rejects when it cannot start. */
  const launch = (): Promise<Decoder> =>
    new Promise((resolve, reject) => {
      // A fresh FIFO per launch: lines a crashed decoder left unread must not reach its successor.
      const launch = ++launches;
      const fifos = [join(dir, `ctl-${launch}`), join(dir, `hyp-${launch}`)] as const;
      let ctl: number;
      let hyp: Socket;
      try {
        execFileSync('mkfifo', ['-m', '600', ...fifos]);
        ctl = openSync(fifos[0], 'r+');
        hyp = new Socket({ fd: openSync(fifos[1], 'r+'), readable: true, writable: false });
      } catch (error) {
        reject(new OpenVocabularyUnavailableError(`cannot create the decoder's FIFOs: ${(error as Error).message}`));
        return;
      }
      const proc = spawn(command, [...args, '-ctl', fifos[0], '-hyp', fifos[1]], { stdio: ['ignore', 'ignore', 'pipe'] });
      const decoder: Decoder = { proc, ctl };
      let stderr = '';
      proc.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + String(chunk)).slice(-2000);
      });
      let cleaned = false;
      const cleanUp = (): void => {
        if (cleaned) return;
        cleaned = true;
        if (child === decoder) child = undefined;
        closeSync(ctl);
        hyp.destroy();
        for (const fifo of fifos) rmSync(fifo, { force: true });
      };
      proc.once('error', (error: NodeJS.ErrnoException) => {
        cleanUp();
        const reason = error.code === 'ENOENT' ? `${command} was not found` : error.message;
        reject(new OpenVocabularyUnavailableError(`${reason}; install it with: ${OPEN_VOCABULARY_INSTALL_COMMAND}`));
      });
      proc.once('spawn', () => resolve(decoder));
      proc.once('close', (code, signal) => {
        cleanUp();
        if (!closed) options.log?.(`emulator: the open-vocabulary decoder exited (${signal ?? `code ${code}`}): ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
        for (const id of [...pending.keys()]) settle(id, null);
      });
      createInterface({ input: hyp }).on('line', (line) => {
        const hyp = parseHypothesisLine(line);
        if (hyp) settle(hyp.id, hyp.text === '' ? null : hyp.text);
      });
      child = decoder;
    });

  const run = (pcm: Int16Array): Promise<string | null> =>
    new Promise((resolve) => {
      if (closed || pcm.length === 0) return resolve(null);
      const id = `u${++counter}`;
      const file = join(dir, `${id}.raw`);
      const narrow = floatToPcm16(resample(pcm16ToFloat(pcm), SAMPLE_RATE_HZ, MODEL_RATE_HZ));
      writeFileSync(file, Buffer.from(narrow.buffer, narrow.byteOffset, narrow.byteLength));
      const timer = setTimeout(() => {
        options.log?.(`emulator: the open-vocabulary decoder took over ${timeoutMs} ms; the turn counts as not understood and the decoder restarts`);
        settle(id, null);
        // A hung decoder would time out every turn queued behind this one; the next turn starts a fresh one.
        child?.proc.kill();
      }, timeoutMs);
      pending.set(id, { id, file, resolve, timer });
      const write = (decoder: Decoder): void => void writeSync(decoder.ctl, `${id}\n`);
      if (child) write(child);
      else launch().then(write, () => settle(id, null));
    });

  try {
    await launch();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // Warm-up: proves the model loads and decodes (a broken install fails here, at startup, not on a player's turn).
  const tone = new Int16Array(SAMPLE_RATE_HZ / 2).map((_, i) => Math.round(Math.sin(i * 0.05) * 2000));
  await run(tone);
  if (!child) {
    rmSync(dir, { recursive: true, force: true });
    throw new OpenVocabularyUnavailableError(`${command} could not decode with the model in ${modelDir}; reinstall it with: ${OPEN_VOCABULARY_INSTALL_COMMAND}`);
  }

  return {
    transcribe: (pcm) => run(pcm),
    async close() {
      if (closed) return;
      closed = true;
      const decoder = child;
      for (const id of [...pending.keys()]) settle(id, null);
      if (decoder) {
        const exited = new Promise<void>((resolve) => decoder.proc.once('close', () => resolve()));
        decoder.proc.kill();
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
