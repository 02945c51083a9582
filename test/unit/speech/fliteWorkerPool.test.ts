import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalVoice } from '../../../plugin/shared/personaSchema.js';
import { createFliteTts, type FliteTts } from '../../../server/emulator/speech/fliteTts.js';
import { createFliteWorkerPool, type FliteWorkerPool } from '../../../server/emulator/speech/FliteWorkerPool.js';

const VOICE: LocalVoice = { engine: 'flite', voice: 'rms', rate: 1 };

describe('flite worker pool', () => {
  let pool: FliteWorkerPool;
  let local: FliteTts;
  beforeAll(async () => {
    [pool, local] = await Promise.all([createFliteWorkerPool({ size: 2 }), createFliteTts()]);
  });
  afterAll(async () => {
    await pool?.close();
    local?.dispose();
  });

  it('synthesizes in worker threads exactly what flite produces on the main thread', async () => {
    const text = 'The blacksmith lives near the old bridge.';
    const [fromPool, fromMain] = await Promise.all([pool.synthesize(text, VOICE), local.synthesize(text, VOICE)]);
    expect(fromPool.length).toBeGreaterThan(24_000);
    expect(Buffer.from(fromPool.buffer, fromPool.byteOffset, fromPool.byteLength).equals(Buffer.from(fromMain.buffer, fromMain.byteOffset, fromMain.byteLength))).toBe(true);
  });

  it('keeps the event loop free while a long utterance is synthesized', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const started = performance.now();
    await pool.synthesize(Array.from({ length: 30 }, () => 'iron anvil forge').join(' '), VOICE);
    const elapsed = performance.now() - started;
    clearInterval(ticker);
    // A blocked loop would not tick at all during the synthesis.
    expect(elapsed).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThan(Math.floor(elapsed / 10 / 4));
  }, 30_000);

  it('rejects queued and later calls with code "disposed" once closed', async () => {
    const second = await createFliteWorkerPool({ size: 1 });
    const pending = expect(second.synthesize('Hello there, traveler.', VOICE)).rejects.toMatchObject({ code: 'disposed' });
    await second.close();
    await pending;
    await expect(second.synthesize('Hello.', VOICE)).rejects.toMatchObject({ code: 'disposed' });
    await second.close();
  });
});
