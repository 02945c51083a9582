// Spoken turns as a player makes them, shared by the spoken-turn browser tests and the turns benchmark: the demo
// opened with `?probe=1` (only the meters added: processed microphone and ambience as players get them), the fake
// microphone playing a flite `awb` phrase written at 48 kHz like a real device, with or without a noise floor.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { floatToPcm16, pcm16ToFloat } from '../../../plugin/shared/pcm16.js';
import { resample } from '../../../plugin/shared/resample.js';
import { synthesizePlayerSpeech, writeWav } from '../../support/speechFixtures.js';
import { artifactsDir, launchBrowser, openDemo, WAIT, type DemoPage } from './harness.js';

/** Sample rate of the fake microphone's WAVs: what a laptop microphone delivers, resampled by the browser. */
export const MIC_RATE_HZ = 48_000;

/**
 * Lead before the words of a hands-free phrase that is spoken "as the microphone opens". Chromium's fake device
 * starts the file when the capture starts, and the page gets its stream only when getUserMedia resolves: audio in
 * between reaches no page. Measured in the demo on the 2-core CI machine (issue 15): getUserMedia resolves 300–450 ms
 * after the call while SwiftShader frames take 50–100 ms of the main thread (10–30 ms on a blank page), the plugin's
 * capture graph is connected 1–12 ms after it resolves, and the first audio the emulator receives is 140–220 ms into
 * the file. A phrase at 0 ms loses its first syllable there ("please" → "open the gate", or not understood); 400 ms
 * covers the browser's start-up with margin, and the words still arrive while the session is connecting.
 */
export const MIC_START_LEAD_MS = 400;

/** One phrase as the fake microphone plays it. */
export interface PlayerPhrase {
  /** The WAV's absolute path (for `launchBrowser({ micWav })`). */
  wav: string;
  /** How long the words last (s). */
  speechS: number;
  /** Silence (or noise) before the words (s). */
  leadS: number;
  /** The whole file (s): one period when it loops. */
  periodS: number;
}

/** Options of {@link writePlayerPhrase}. */
export interface PhraseOptions {
  leadMs: number;
  tailMs: number;
  /** White noise over the whole file at this RMS level (dBFS), as a real microphone's floor; none when absent. */
  noiseDbfs?: number;
}

/**
 * Synthesizes `text` (flite `awb`, as a player), pads it, adds the noise floor and writes it as a 48 kHz WAV in the
 * artifacts folder. Deterministic: the noise comes from a fixed seed.
 */
export async function writePlayerPhrase(name: string, text: string, options: PhraseOptions): Promise<PlayerPhrase> {
  const speech = resample(pcm16ToFloat(await synthesizePlayerSpeech(text, 'awb')), 24_000, MIC_RATE_HZ);
  const lead = Math.round((options.leadMs * MIC_RATE_HZ) / 1000);
  const tail = Math.round((options.tailMs * MIC_RATE_HZ) / 1000);
  const out = new Float32Array(lead + speech.length + tail);
  out.set(speech, lead);
  if (options.noiseDbfs !== undefined) addWhiteNoise(out, options.noiseDbfs);
  const wav = join(artifactsDir(), `${name}.wav`);
  writeWav(wav, floatToPcm16(out), MIC_RATE_HZ);
  return { wav, speechS: speech.length / MIC_RATE_HZ, leadS: lead / MIC_RATE_HZ, periodS: out.length / MIC_RATE_HZ };
}

/** Adds uniform white noise whose RMS is `dbfs` (full scale 1), from a fixed-seed generator. */
function addWhiteNoise(samples: Float32Array, dbfs: number): void {
  // Uniform in [-a, a] has RMS a/√3.
  const amplitude = Math.sqrt(3) * 10 ** (dbfs / 20);
  let seed = 0x2545f491;
  for (let i = 0; i < samples.length; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    samples[i] = (samples[i] ?? 0) + amplitude * ((seed >>> 0) / 0xffffffff * 2 - 1);
  }
}

/** Where an NPC stands, from the hook. */
export async function npcAt(page: Page, id: string): Promise<{ x: number; y: number }> {
  const npc = await page.evaluate((npcId) => window.npcVoiceDemo.npcs().find((n) => n.id === npcId) ?? null, id);
  if (!npc) throw new Error(`no NPC ${id} in the village`);
  return { x: npc.x, y: npc.y };
}

/** Waits until `id`'s session is connected and listening (or answering). */
export async function waitForLive(page: Page, id: string): Promise<void> {
  await page.waitForFunction(
    (npcId) => ['listening', 'thinking', 'speaking'].includes(window.npcVoiceDemo.npcs().find((n) => n.id === npcId)?.state ?? ''),
    id,
    WAIT,
  );
}

/** The player's final lines so far. */
export function playerLines(page: Page): Promise<string[]> {
  return page.evaluate(() => window.npcVoiceDemo.subtitles().filter((s) => s.speaker === 'player' && s.final).map((s) => s.text));
}

/** Waits for the player's next final line (after `seen` of them) and returns it ('' when nothing was recognised). */
export async function nextPlayerLine(page: Page, seen: number): Promise<string> {
  const handle = await page.waitForFunction(
    (n) => {
      const lines = window.npcVoiceDemo.subtitles().filter((s) => s.speaker === 'player' && s.final);
      return lines.length > n ? (lines[n]?.text ?? '') : null;
    },
    seen,
    WAIT,
  );
  return (await handle.jsonValue()) as string;
}

/** Context time (s) of the start of the microphone's first sound segment that starts at or after `after`. */
async function nextMicOnset(page: Page, after: number): Promise<number> {
  const handle = await page.waitForFunction(
    (t) => window.npcVoiceDemo.probe?.mic().find((s) => s.start >= t)?.start ?? null,
    after,
    WAIT,
  );
  return (await handle.jsonValue()) as number;
}

async function waitForContextTime(page: Page, t: number): Promise<void> {
  await page.waitForFunction((until) => (window.npcVoiceDemo.probe?.now() ?? 0) >= until, t, WAIT);
}

async function contextNow(page: Page): Promise<number> {
  return page.evaluate(() => window.npcVoiceDemo.probe?.now() ?? 0);
}

/**
 * One push-to-talk turn on a looping phrase: presses SPACE (the first press also opens the microphone, whose file
 * then starts from its beginning), holds it while the words play and releases right as they end — the moment a
 * player lets go, with the last syllable still on its way to the server. With the microphone already open
 * (`micOpen`), the press comes half a second before the next repetition. Returns the context time of the release.
 */
export async function pushToTalkPhrase(page: Page, phrase: PlayerPhrase, micOpen: boolean): Promise<number> {
  await page.click('canvas');
  let onset: number;
  if (micOpen) {
    // The next repetition that is at least half a second away.
    const [lastOnset, now] = await page.evaluate(() => [window.npcVoiceDemo.probe?.mic().at(-1)?.start ?? 0, window.npcVoiceDemo.probe?.now() ?? 0]);
    let next = (lastOnset ?? 0) + phrase.periodS;
    while (next - 0.5 < (now ?? 0)) next += phrase.periodS;
    await waitForContextTime(page, next - 0.5);
    await page.keyboard.down('Space');
    onset = await nextMicOnset(page, next - 0.3);
  } else {
    const pressed = await contextNow(page);
    await page.keyboard.down('Space');
    onset = await nextMicOnset(page, pressed);
  }
  const end = onset + phrase.speechS;
  await waitForContextTime(page, end);
  await page.keyboard.up('Space');
  return end;
}

/** A demo page over `transport` (`default`: what the demo picks itself, WebRTC here) with the fake mic on `phrase`. */
export async function openWithPhrase(
  phrase: PlayerPhrase,
  transport: 'default' | 'websocket' | 'webrtc',
  origin: string,
  options: { loop: boolean },
): Promise<DemoPage & { browser: Browser }> {
  const browser = await launchBrowser({ micWav: phrase.wav, loopMic: options.loop });
  try {
    const query = transport === 'default' ? '?probe=1' : `?probe=1&transport=${transport}`;
    const demo = await openDemo(browser, `${origin}/${query}`);
    return { ...demo, browser };
  } catch (err) {
    await browser.close();
    throw err;
  }
}
