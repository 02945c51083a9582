// Demo benchmark: the whole loop as a player gets it, in real headless Chromium against the real server (emulator).
// - voice-to-voice over WebSocket and over WebRTC, one after the other in the same run: the fake microphone plays
//   "what is your name" to the guard (hands-free, server VAD) once per period; latency = end of the player's speech at the
//   game's input → first NPC sample above threshold at the game's output, both measured by the demo's `?e2e=1` probe
//   in the same AudioContext clock;
// - frame rate (Canvas renderer) idle, and with all three NPCs bound and talking at once.
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { artifactsDir, launchBrowser, openDemo, startDemoServer } from '../e2e/demo/harness.js';
import { disposePlayerSpeech, synthesizePlayerSpeech, withSilence, writeWav } from '../support/speechFixtures.js';

const TURNS = 12;
const PERIOD_S = 7;
/** The guard stands at (432, 80); this spot is inside his hearing radius. */
const NEAR_GUARD = { x: 470, y: 120 };

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

const ms = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} ms` : '–');

/** Counts animation frames in the page for `windowMs` (a measurement window, not a wait for state). */
async function measureFps(page: Page, windowMs: number): Promise<{ fps: number; phaserFps: number }> {
  // A string, not a function: tsx compiles inner named functions with a `__name` helper the page does not have.
  return page.evaluate(`new Promise((resolve) => {
    let frames = 0;
    const t0 = performance.now();
    requestAnimationFrame(function tick() {
      frames++;
      if (performance.now() - t0 < ${windowMs}) requestAnimationFrame(tick);
      else resolve({ fps: (frames * 1000) / (performance.now() - t0), phaserFps: window.npcVoiceDemo.fps() });
    });
  })`);
}

type Transport = 'websocket' | 'webrtc';

async function voiceToVoice(url: string, wav: string, transport: Transport): Promise<{ latencies: number[]; gameLatencies: number[]; misses: number }> {
  const browser = await launchBrowser({ micWav: wav, loopMic: true });
  try {
    const { page } = await openDemo(browser, `${url}/?e2e=1&transport=${transport}`);
    // Being near the hands-free guard opens his session and the microphone; the fake mic then loops the WAV.
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [NEAR_GUARD.x, NEAR_GUARD.y] as const);
    const latencies: number[] = [];
    let misses = 0;
    let handled = 0;
    const deadline = Date.now() + (TURNS + 4) * PERIOD_S * 1000 + 30_000;
    while (latencies.length < TURNS && Date.now() < deadline) {
      // Next finished utterance at the input.
      const speech = (await (
        await page.waitForFunction(
          (n) => {
            const done = window.npcVoiceDemo.probe?.mic().filter((s) => s.end !== null && s.end - s.start > 0.4) ?? [];
            return done.length > n ? done[n] : null;
          },
          handled,
          { timeout: PERIOD_S * 3000 },
        )
      ).jsonValue()) as { start: number; end: number };
      handled++;
      // First NPC sound after it, or none before the next utterance starts (a missed turn).
      const answer = (await (
        await page.waitForFunction(
          ([end, period]) => {
            const p = window.npcVoiceDemo.probe;
            if (!p) return null;
            const seg = p.output().find((s) => s.start > end);
            if (seg) return seg;
            return p.now() > end + period - 1 ? { start: -1, end: null } : null;
          },
          [speech.end, PERIOD_S] as const,
          { timeout: PERIOD_S * 2000 },
        )
      ).jsonValue()) as { start: number };
      if (answer.start < 0) misses++;
      else latencies.push((answer.start - speech.end) * 1000);
      process.stdout.write(`  ${transport} turn ${handled}: ${answer.start < 0 ? 'missed' : `${Math.round((answer.start - speech.end) * 1000)} ms`}\n`);
    }
    const gameLatencies = await page.evaluate(() => window.npcVoiceDemo.turnLatenciesMs());
    return { latencies, gameLatencies, misses };
  } finally {
    await browser.close();
  }
}

async function frameRates(url: string): Promise<{ idle: number; talking: number; phaserIdle: number; phaserTalking: number; talkingNpcs: number }> {
  const browser = await launchBrowser();
  try {
    const { page } = await openDemo(browser, `${url}/?e2e=1&renderer=canvas`);
    await page.evaluate(() => window.npcVoiceDemo.teleportPlayer(480, 330));
    const idle = await measureFps(page, 3000);
    await page.evaluate(() => {
      const d = window.npcVoiceDemo;
      d.say('blacksmith', 'tell me about the forge');
      d.say('guard', 'tell me about the gate');
      d.say('herbalist', 'tell me about potions');
    });
    await page.waitForFunction(() => window.npcVoiceDemo.npcs().filter((n) => n.state === 'speaking').length === 3, undefined, { timeout: 45_000 });
    const talking = await measureFps(page, 2000);
    const talkingNpcs = await page.evaluate(() => window.npcVoiceDemo.npcs().filter((n) => n.state === 'speaking').length);
    return { idle: idle.fps, phaserIdle: idle.phaserFps, talking: talking.fps, phaserTalking: talking.phaserFps, talkingNpcs };
  } finally {
    await browser.close();
  }
}

/** Runs the demo benchmark and returns a markdown section. */
export async function runDemoBench(): Promise<string> {
  const wav = join(artifactsDir(), 'bench-what-is-your-name.wav');
  const speech = await synthesizePlayerSpeech('what is your name', 'awb');
  const speechS = speech.length / 24_000;
  writeWav(wav, withSilence(speech, 500, Math.max(0, PERIOD_S - 0.5 - speechS) * 1000));
  await disposePlayerSpeech();
  const { server } = await startDemoServer();
  try {
    const rows: string[] = [];
    const p50: Partial<Record<Transport, number>> = {};
    for (const transport of ['websocket', 'webrtc'] as const) {
      const v2v = await voiceToVoice(server.url, wav, transport);
      const sorted = [...v2v.latencies].sort((a, b) => a - b);
      const gameSorted = [...v2v.gameLatencies].sort((a, b) => a - b);
      p50[transport] = percentile(sorted, 0.5);
      rows.push(
        `| ${transport === 'webrtc' ? 'WebRTC' : 'WebSocket'} | ${sorted.length} | ${v2v.misses} | ${ms(percentile(sorted, 0.5))} | ${ms(percentile(sorted, 0.95))} | ` +
          `${ms(sorted[0] ?? Number.NaN)} | ${ms(sorted[sorted.length - 1] ?? Number.NaN)} | ${ms(percentile(gameSorted, 0.5))} / ${ms(percentile(gameSorted, 0.95))} |`,
      );
    }
    const fps = await frameRates(server.url);
    const ratio = (p50.webrtc ?? Number.NaN) / (p50.websocket ?? Number.NaN);
    return [
      '## Demo (real Chromium, emulator)',
      '',
      `Voice-to-voice, hands-free guard (server VAD, silence ${500} ms): the fake microphone plays "what is your name" every ${PERIOD_S} s;`,
      'latency = end of the player\'s speech at the game\'s input → first NPC sample above 0.01 at the game\'s output (same AudioContext clock).',
      'Both transports in the same run, one after the other, same server and browser. The last column is the game\'s own',
      'debug-overlay measure (final transcript → SPEAKING_START), p50 / p95.',
      '',
      '| transport | turns | missed | p50 | p95 | min | max | overlay p50 / p95 |',
      '|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
      `WebRTC / WebSocket p50 ratio: ${Number.isFinite(ratio) ? ratio.toFixed(2) : '–'} (goal: p50 ≤ 400 ms).`,
      '',
      '| frame rate (Canvas) | rAF fps | Phaser actualFps |',
      '|---|---|---|',
      `| idle, 3 NPCs bound | ${fps.idle.toFixed(1)} | ${fps.phaserIdle.toFixed(1)} |`,
      `| ${fps.talkingNpcs} NPCs talking at once | ${fps.talking.toFixed(1)} | ${fps.phaserTalking.toFixed(1)} |`,
      '',
    ].join('\n');
  } finally {
    await server.close();
  }
}
