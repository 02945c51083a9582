import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { LocalVoice } from '../../../plugin/shared/personaSchema.js';
import { FliteTtsError, type FliteTts } from './fliteTts.js';

/** Options of {@link createFliteWorkerPool}. */
export interface FliteWorkerPoolOptions {
  /** Worker threads running flite (default 1). Each holds its own compiled flite module (~20 MB). */
  size?: number;
  /** Warm every voice up in each worker before resolving (see createFliteTts). */
  warmUp?: boolean;
  /** Diagnostic lines (never the console). */
  log?: (line: string) => void;
}

/** A flite TTS whose synthesis runs in worker threads; `close()` terminates them. */
export interface FliteWorkerPool extends FliteTts {
  /** Terminates the workers; pending and later `synthesize` calls reject with code `disposed`. Safe to call twice. */
  close(): Promise<void>;
  /** Jobs waiting for a free worker (diagnostics, tests). */
  readonly queued: number;
}

interface Job {
  id: number;
  text: string;
  voice: LocalVoice;
  resolve: (pcm: Int16Array) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

const ReplySchema = z.union([
  z.object({ ready: z.literal(true) }),
  z.object({ id: z.number(), ok: z.literal(true), pcm: z.instanceof(Int16Array) }),
  z.object({ id: z.number(), ok: z.literal(false), code: z.string(), message: z.string() }),
]);

// From source (tsx, vitest) a thread needs tsx to load the TypeScript worker: fliteWorkerBoot.mjs registers it. The
// compiled package (dist/node) starts the compiled worker directly: no tsx at run time.
const BOOT_URL = import.meta.url.endsWith('.ts') ? new URL('./fliteWorkerBoot.mjs', import.meta.url) : new URL('./fliteWorker.js', import.meta.url);

function startWorker(warmUp: boolean): Promise<Worker> {
  const worker = new Worker(BOOT_URL, { workerData: { warmUp }, stdout: true, stderr: true });
  return new Promise<Worker>((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      if (!ReplySchema.safeParse(message).success || !(message as { ready?: unknown }).ready) return;
      worker.off('message', onMessage);
      worker.off('error', onError);
      resolve(worker);
    };
    const onError = (error: Error): void => {
      worker.off('message', onMessage);
      void worker.terminate();
      reject(new FliteTtsError('flite_failed', `flite worker failed to start: ${error.message}`));
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
  });
}

/**
 * Starts flite in `size` worker threads, so a long utterance never stalls the event loop (every session, `/healthz`
 * and key minting share that loop). Jobs run first come, first served, one per worker at a time: a session that
 * speaks sentence by sentence never has more than two jobs queued, so other sessions' lines interleave with it.
 *
 * @example
 * const tts = await createFliteWorkerPool({ size: 1, warmUp: true });
 * const pcm = await tts.synthesize('Welcome, traveler.', { engine: 'flite', voice: 'rms', rate: 1 });
 * await tts.close();
 */
export async function createFliteWorkerPool(options: FliteWorkerPoolOptions = {}): Promise<FliteWorkerPool> {
  const size = Math.max(1, Math.floor(options.size ?? 1));
  const warmUp = options.warmUp === true;
  const log = options.log ?? (() => {});
  const workers = await Promise.all(Array.from({ length: size }, () => startWorker(warmUp)));
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 0;
  let closed = false;

  const disposedError = (): FliteTtsError => new FliteTtsError('disposed', 'flite worker pool: synthesize() called after close()');

  const dispatch = (): void => {
    for (const slot of slots) {
      if (slot.job || queue.length === 0) continue;
      const job = queue.shift() as Job;
      slot.job = job;
      slot.worker.postMessage({ id: job.id, text: job.text, voice: job.voice });
    }
  };

  const replace = (slot: Slot, reason: string): void => {
    const job = slot.job;
    slot.job = null;
    job?.reject(new FliteTtsError('flite_failed', `flite worker stopped: ${reason}`));
    if (closed) return;
    log(`emulator: flite worker stopped (${reason}); starting another`);
    void startWorker(warmUp).then(
      (worker) => {
        if (closed) {
          void worker.terminate();
          return;
        }
        adopt(slot, worker);
        dispatch();
      },
      (error: unknown) => log(`emulator: flite worker restart failed: ${(error as Error).message}`),
    );
  };

  const adopt = (slot: Slot, worker: Worker): void => {
    slot.worker = worker;
    // flite's own chatter goes nowhere: the console is not ours to write to.
    worker.stdout.resume();
    worker.stderr.resume();
    worker.on('message', (message: unknown) => {
      const reply = ReplySchema.safeParse(message);
      if (!reply.success || 'ready' in reply.data) return;
      const job = slot.job;
      if (!job || job.id !== reply.data.id) return;
      slot.job = null;
      if (reply.data.ok) job.resolve(reply.data.pcm);
      else job.reject(new FliteTtsError(reply.data.code === 'disposed' ? 'disposed' : 'flite_failed', reply.data.message));
      dispatch();
    });
    worker.once('error', (error) => replace(slot, error.message));
    worker.once('exit', (code) => {
      if (slot.worker === worker && !closed) replace(slot, `exit code ${code}`);
    });
  };

  for (const worker of workers) {
    const slot: Slot = { worker, job: null };
    slots.push(slot);
    adopt(slot, worker);
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      closed = true;
      for (const job of queue.splice(0)) job.reject(disposedError());
      for (const slot of slots) {
        slot.job?.reject(disposedError());
        slot.job = null;
      }
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    })();
    return closing;
  };

  return {
    synthesize(text: string, voice: LocalVoice): Promise<Int16Array> {
      if (closed) return Promise.reject(disposedError());
      return new Promise<Int16Array>((resolve, reject) => {
        queue.push({ id: nextId++, text, voice, resolve, reject });
        dispatch();
      });
    },
    get queued() {
      return queue.length;
    },
    dispose() {
      void close();
    },
    close,
  };
}
