// Spoken-turn benchmark: how often a player's spoken turn is understood in the demo as players get it (real
// Chromium, `?probe=1`: the browser's own microphone processing, the ambience playing), over the transport the demo
// picks itself (WebRTC) and over WebSocket, measured side by side in one run. The fake microphone plays flite `awb`
// phrases written at 48 kHz, clean and over a −60 dBFS noise floor.
// - push-to-talk to the smith, "give me a sword" looping: the first press opens the microphone, the next presses come
//   half a second before the words with the microphone open; SPACE is released as the words end;
// - hands-free to the guard, "please open the gate" spoken as the microphone opens: a fresh page per turn, the
//   microphone opening as the player walks up, the words MIC_START_LEAD_MS into the file (the browser's start-up);
//   and the same with the words at the file's very first sample, which shows what Chromium's start-up costs.
// A turn succeeds when the player's final transcript is the phrase (not "didn't catch that", not another phrase).
import type { Page } from 'playwright-core';
import { startDemoServer } from '../e2e/demo/harness.js';
import { MIC_START_LEAD_MS, nextPlayerLine, npcAt, openWithPhrase, pushToTalkPhrase, waitForLive, writePlayerPhrase, type PlayerPhrase } from '../e2e/demo/spokenTurns.js';
import { disposePlayerSpeech } from '../support/speechFixtures.js';

const TURNS = 10;
const TRANSPORTS = ['default', 'websocket'] as const;
const NOISE = [undefined, -60] as const;
type Transport = (typeof TRANSPORTS)[number];

interface Tally {
  ok: number;
  total: number;
  misses: string[];
}

async function pushToTalkTurns(origin: string, phrase: PlayerPhrase, transport: Transport, expected: RegExp): Promise<Tally> {
  const tally: Tally = { ok: 0, total: 0, misses: [] };
  const demo = await openWithPhrase(phrase, transport, origin, { loop: true });
  try {
    const { page } = demo;
    const smith = await npcAt(page, 'blacksmith');
    await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [smith.x + 60, smith.y] as const);
    await waitForLive(page, 'blacksmith');
    for (let turn = 0; turn < TURNS; turn++) {
      await pushToTalkPhrase(page, phrase, turn > 0);
      await record(tally, page, turn, expected);
      // His answer plays before the next press (a player waits for it too).
      await page.waitForFunction(() => window.npcVoiceDemo.npcs().find((n) => n.id === 'blacksmith')?.state === 'listening', undefined, { timeout: 45_000 });
    }
  } finally {
    await demo.browser.close();
  }
  return tally;
}

async function handsFreeTurns(origin: string, phrase: PlayerPhrase, transport: Transport, expected: RegExp): Promise<Tally> {
  const tally: Tally = { ok: 0, total: 0, misses: [] };
  for (let turn = 0; turn < TURNS; turn++) {
    const demo = await openWithPhrase(phrase, transport, origin, { loop: false });
    try {
      const { page } = demo;
      const guard = await npcAt(page, 'guard');
      await page.evaluate(([x, y]) => window.npcVoiceDemo.teleportPlayer(x, y), [guard.x + 38, guard.y + 40] as const);
      await record(tally, page, 0, expected);
    } finally {
      await demo.browser.close();
    }
  }
  return tally;
}

async function record(tally: Tally, page: Page, seen: number, expected: RegExp): Promise<void> {
  tally.total++;
  let heard: string;
  try {
    heard = await nextPlayerLine(page, seen);
  } catch {
    heard = '(no transcript)';
  }
  if (expected.test(heard)) tally.ok++;
  else tally.misses.push(heard === '' ? '(not recognised)' : `"${heard}"`);
}

const pct = (t: Tally) => `${t.ok}/${t.total} (${Math.round((100 * t.ok) / Math.max(1, t.total))} %)`;

/** Success rates of spoken turns per case and transport. */
export async function runTurnsBench(): Promise<string> {
  const phrases = new Map<string, PlayerPhrase>();
  for (const noise of NOISE) {
    const tag = noise === undefined ? 'clean' : `noise${-noise}`;
    const n = noise === undefined ? {} : { noiseDbfs: noise };
    phrases.set(`ptt ${tag}`, await writePlayerPhrase(`bench-ptt-${tag}`, 'give me a sword', { leadMs: 1000, tailMs: 3500, ...n }));
    phrases.set(`vad ${tag}`, await writePlayerPhrase(`bench-vad-${tag}`, 'please open the gate', { leadMs: MIC_START_LEAD_MS, tailMs: 3000, ...n }));
    phrases.set(`vad0 ${tag}`, await writePlayerPhrase(`bench-vad0-${tag}`, 'please open the gate', { leadMs: 0, tailMs: 3000, ...n }));
  }
  const { server } = await startDemoServer();
  const rows: string[] = [];
  const misses: string[] = [];
  const startMisses: string[] = [];
  const totals = new Map<Transport, Tally>(TRANSPORTS.map((t) => [t, { ok: 0, total: 0, misses: [] }]));
  try {
    for (const noise of NOISE) {
      const tag = noise === undefined ? 'clean' : `noise${-noise}`;
      const label = noise === undefined ? 'clean' : `${noise} dBFS noise floor`;
      for (const [kind, run, expected, what] of [
        ['ptt', pushToTalkTurns, /^give me a sword$/i, 'push-to-talk, "give me a sword" (smith)'],
        ['vad', handsFreeTurns, /^please open the gate$/i, `hands-free, "please open the gate" (guard), words ${MIC_START_LEAD_MS} ms into the file`],
        ['vad0', handsFreeTurns, /^please open the gate$/i, 'hands-free, "please open the gate" (guard), words at the first sample (not in the totals)'],
      ] as const) {
        const phrase = phrases.get(`${kind} ${tag}`);
        if (!phrase) throw new Error(`no phrase ${kind} ${tag}`);
        const cells: string[] = [];
        for (const transport of TRANSPORTS) {
          const t = await run(server.url, phrase, transport, expected);
          const total = kind === 'vad0' ? undefined : totals.get(transport);
          if (total) {
            total.ok += t.ok;
            total.total += t.total;
          }
          cells.push(pct(t));
          const via = transport === 'default' ? 'WebRTC' : 'WebSocket';
          if (kind === 'vad0') startMisses.push(...t.misses.map((m) => `${via}, ${label}: ${m}`));
          else misses.push(...t.misses.map((m) => `${via}, ${what}, ${label}: heard ${m}`));
        }
        rows.push(`| ${what} | ${label} | ${cells.join(' | ')} |`);
      }
    }
  } finally {
    await server.close();
    await disposePlayerSpeech();
  }
  const all = TRANSPORTS.map((t) => pct(totals.get(t) ?? { ok: 0, total: 0, misses: [] }));
  return [
    '## Spoken turns in the demo',
    '',
    `Real Chromium with \`?probe=1\` (browser microphone processing on, ambience playing), flite \`awb\` phrases at 48 kHz on the fake microphone, ${TURNS} turns per case; a turn succeeds when the player's final transcript is the phrase. Goal: ≥ 95 % on both transports. Chromium's fake device starts the file when the capture starts, before the page's getUserMedia resolves, so audio at the file's very first sample reaches no page: the "first sample" row shows that start-up, and the hands-free case speaks ${MIC_START_LEAD_MS} ms into the file (see MIC_START_LEAD_MS in test/e2e/demo/spokenTurns.ts for the measurement).`,
    '',
    '| case | microphone | WebRTC (demo default) | WebSocket |',
    '|---|---|---|---|',
    ...rows,
    `| **all** | | **${all[0]}** | **${all[1]}** |`,
    '',
    misses.length > 0 ? `Misses: ${misses.join('; ')}.` : 'No misses.',
    ...(startMisses.length > 0 ? ['', `Words at the first sample (the browser's start-up, not counted): ${startMisses.join('; ')}.`] : []),
  ].join('\n');
}
