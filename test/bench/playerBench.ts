import type { CDPSession } from 'playwright-core';
import { openHarness } from '../e2e/audio/browser.js';
import type { BenchPlayer, BenchResult } from '../e2e/audio/page/main.js';

/**
 * Main-thread cost of NPC audio playback in headless Chromium: the AudioWorklet stream player (plugin/audio) against
 * a naive player that decodes each chunk and schedules one AudioBufferSourceNode per chunk, side by side in one run
 * with 30 ms arrival jitter. Phases alternate (idle baseline, worklet, naive) so drift in the machine's load hits
 * all three alike.
 */

const SECONDS = 8;
const CHUNK_MS = 40;
const JITTER_MS = 30;
const ROUNDS = 2;

interface Phase extends BenchResult {
  /** Main-thread task time (CDP Performance.getMetrics TaskDuration) during the phase, ms. */
  taskMs: number;
  /** Of which JavaScript (ScriptDuration), ms. */
  scriptMs: number;
  /** CPU time of the main thread (ThreadTime), ms: unlike the durations, not inflated by being descheduled. */
  cpuMs: number;
}

async function metrics(cdp: CDPSession): Promise<Map<string, number>> {
  const { metrics: list } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return new Map(list.map((m) => [m.name, m.value]));
}

/** Runs the benchmark and returns its markdown section. */
export async function runPlayerBench(): Promise<string> {
  const harness = await openHarness();
  try {
    const { page } = harness;
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.evaluate(() => window.harness.warmUp());
    const phases: Phase[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const player of ['idle', 'worklet', 'naive'] as BenchPlayer[]) {
        await page.evaluate(([p, s, c]) => window.harness.benchPrepare(p, s, c), [player, SECONDS, CHUNK_MS] as const);
        const before = await metrics(cdp);
        const result = await page.evaluate(([c, j]) => window.harness.benchRun(c, j), [CHUNK_MS, JITTER_MS] as const);
        const after = await metrics(cdp);
        await page.evaluate(() => window.harness.benchTeardown());
        const delta = (name: string) => ((after.get(name) ?? 0) - (before.get(name) ?? 0)) * 1000;
        phases.push({ ...result, taskMs: delta('TaskDuration'), scriptMs: delta('ScriptDuration'), cpuMs: delta('ThreadTime') });
      }
    }
    if (process.env.PLAYER_BENCH_DEBUG) process.stdout.write(`${JSON.stringify(phases)}\n`);
    return report(phases);
  } finally {
    await harness.close();
  }
}

function sum(phases: Phase[], player: BenchPlayer, key: 'taskMs' | 'scriptMs' | 'cpuMs' | 'pushMs' | 'audioMs' | 'underruns' | 'gapQuanta' | 'chunks'): number {
  return phases.filter((p) => p.player === player).reduce((n, p) => n + p[key], 0);
}

function report(phases: Phase[]): string {
  const audioMs = sum(phases, 'worklet', 'audioMs');
  const per100 = (ms: number) => (ms / audioMs) * 100;
  const idleCpu = per100(sum(phases, 'idle', 'cpuMs'));
  const idleTask = per100(sum(phases, 'idle', 'taskMs'));
  const row = (player: BenchPlayer, label: string) => {
    const cpu = per100(sum(phases, player, 'cpuMs'));
    const task = per100(sum(phases, player, 'taskMs'));
    const script = per100(sum(phases, player, 'scriptMs'));
    return {
      netCpu: cpu - idleCpu,
      line: `| ${label} | ${per100(sum(phases, player, 'pushMs')).toFixed(3)} | ${script.toFixed(3)} | ${task.toFixed(3)} | ${cpu.toFixed(3)} | ${(cpu - idleCpu).toFixed(3)} | ${sum(phases, player, 'underruns')} | ${sum(phases, player, 'gapQuanta')} |`,
    };
  };
  const worklet = row('worklet', 'AudioWorklet stream player (ours)');
  const naive = row('naive', 'AudioBufferSourceNode per chunk');
  const ratio = naive.netCpu / Math.max(worklet.netCpu, 1e-6);
  return [
    '## player',
    '',
    `Main-thread time per 100 ms of NPC audio in headless Chromium: one NPC, PCM16 24 kHz tone in ${CHUNK_MS} ms chunks, each arriving up to ${JITTER_MS} ms late (uniform), paced by the audio clock; ${SECONDS} s per phase × ${ROUNDS} rounds, phases interleaved. Both players go through the same gain → HRTF panner chain and start with a 60 ms jitter buffer. "push" is performance.now() around each push() call; "script"/"task"/"cpu" are CDP Performance.getMetrics ScriptDuration/TaskDuration/ThreadTime deltas (all main-thread work in the phase, including message events and node cleanup; only ThreadTime is CPU time, the others are wall time and grow when the thread is descheduled); "net cpu" subtracts an idle phase that runs the same feeder timers and output recorder but plays nothing (${idleCpu.toFixed(3)} ms cpu, ${idleTask.toFixed(3)} ms task per 100 ms). Gaps are silent 128-frame quanta inside the audible span, measured on the output.`,
    '',
    '| player | push ms / 100 ms | script ms / 100 ms | task ms / 100 ms | cpu ms / 100 ms | net cpu ms / 100 ms | underruns | gap quanta |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    worklet.line,
    naive.line,
    '',
    `Net main-thread CPU: the naive player costs ${ratio.toFixed(2)}× the worklet player.`,
  ].join('\n');
}
