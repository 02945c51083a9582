// Runs inside a node:worker_threads worker (started by FliteWorkerPool): synthesizes with flite off the main event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { LocalVoiceSchema } from '../../../plugin/shared/personaSchema.js';
import { createFliteTts, FliteTtsError } from './fliteTts.js';

const JobSchema = z.object({ id: z.number().int(), text: z.string(), voice: LocalVoiceSchema });

const port = parentPort;
if (!port) throw new Error('fliteWorker.ts must run in a worker thread (see FliteWorkerPool).');
const warmUp = z.object({ warmUp: z.boolean().optional() }).safeParse(workerData);
const tts = await createFliteTts({ warmUp: warmUp.success && warmUp.data.warmUp === true });

port.on('message', (message: unknown) => {
  const job = JobSchema.safeParse(message);
  if (!job.success) return;
  const { id, text, voice } = job.data;
  tts.synthesize(text, voice).then(
    (pcm) => port.postMessage({ id, ok: true, pcm }, [pcm.buffer as ArrayBuffer]),
    (error: unknown) =>
      port.postMessage({
        id,
        ok: false,
        code: error instanceof FliteTtsError ? error.code : 'flite_failed',
        message: error instanceof Error ? error.message : String(error),
      }),
  );
});
port.postMessage({ ready: true });
