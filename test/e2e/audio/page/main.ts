// Test page for the audio layer: builds a VoiceMixer on a fresh AudioContext and exposes scenarios to Playwright as
// `window.harness`. Every scenario has its own timeouts (page.evaluate has none).
import { MicCapture } from '../../../../plugin/audio/MicCapture.js';
import { MicUnavailableError } from '../../../../plugin/audio/MicUnavailableError.js';
import { VoiceMixer } from '../../../../plugin/audio/VoiceMixer.js';
import { micCaptureWorklet } from '../../../../plugin/audio/workletUrls.js';
import type { NpcVoice } from '../../../../plugin/audio/NpcVoice.js';
import recorderUrl from './recorder.worklet.ts?worker&url';

const TONE_HZ = 440;
const INPUT_RATE = 24_000;

/** One stereo quantum's energy as recorded after the panner. */
interface Quantum {
  frame: number;
  l: number;
  r: number;
}

interface Rig {
  ctx: AudioContext;
  mixer: VoiceMixer;
  quanta: Quantum[];
  close(): Promise<void>;
}

/** Options of a tone scenario. */
export interface ToneScenario {
  /** NPC x relative to the player (px). */
  dxPx: number;
  toneMs: number;
  chunkMs: number;
  /** Each chunk arrives up to this much later than its nominal (real-time) arrival. */
  jitterMs: number;
  /** Calls stop() this long after the first chunk, if set. */
  stopAfterMs?: number;
  startThresholdMs?: number;
  panningModel?: 'HRTF' | 'equalpower';
}

/** What a tone scenario measured. */
export interface ToneResult {
  sampleRate: number;
  left: number;
  right: number;
  underruns: number;
  /** Silent quanta between the first and the last audible quantum (gaps heard). */
  gapQuanta: number;
  /** Where those gaps were, in ms after the first audible quantum. */
  gapAtMs: number[];
  playedMs: number[];
  pushedMs: number;
  /** Audio time (s) when stop() was called, and of the last audible quantum's end. */
  stopTime: number | null;
  lastLoudTime: number | null;
  firstLoudTime: number | null;
  playedAtStopMs: number | null;
  playedAfterStopMs: number | null;
  speakingSeen: boolean[];
  levelsSeen: number[];
}

function toneChunk(startSample: number, n: number): Int16Array {
  const pcm = new Int16Array(n);
  for (let i = 0; i < n; i++) pcm[i] = Math.round(Math.sin((2 * Math.PI * TONE_HZ * (startSample + i)) / INPUT_RATE) * 0.5 * 32767);
  return pcm;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timeout: ${what}`)), ms))]);
}

async function rig(startThresholdMs?: number): Promise<Rig> {
  const ctx = new AudioContext();
  await withTimeout(ctx.resume(), 3000, 'AudioContext.resume');
  await withTimeout(ctx.audioWorklet.addModule(recorderUrl), 5000, 'recorder addModule');
  // master stands in for Howler.masterGain: voices → master → destination, with a recorder tapped off it.
  const master = new GainNode(ctx);
  master.connect(ctx.destination);
  const recorder = new AudioWorkletNode(ctx, 'e2e-recorder', { numberOfInputs: 1, numberOfOutputs: 1, channelCount: 2, channelCountMode: 'explicit' });
  master.connect(recorder);
  const sink = new GainNode(ctx, { gain: 0 });
  recorder.connect(sink).connect(ctx.destination);
  const quanta: Quantum[] = [];
  recorder.port.onmessage = (e: MessageEvent<Float64Array>) => {
    const d = e.data;
    for (let i = 0; i + 2 < d.length; i += 3) quanta.push({ frame: d[i] as number, l: d[i + 1] as number, r: d[i + 2] as number });
  };
  const options: ConstructorParameters<typeof VoiceMixer>[0] = { context: ctx, destination: master };
  if (startThresholdMs !== undefined) options.startThresholdMs = startThresholdMs;
  const mixer = new VoiceMixer(options);
  await withTimeout(mixer.ready(), 5000, 'mixer.ready');
  return {
    ctx,
    mixer,
    quanta,
    close: async () => {
      mixer.destroy();
      recorder.port.onmessage = null;
      await ctx.close();
    },
  };
}

/** Feeds `toneMs` of tone in `chunkMs` chunks paced by the audio clock, each up to `jitterMs` late. */
async function feed(ctx: AudioContext, voice: NpcVoice, s: ToneScenario, itemId: string, shouldStop: () => boolean): Promise<number> {
  const chunkSamples = Math.round((s.chunkMs * INPUT_RATE) / 1000);
  const chunks = Math.ceil((s.toneMs * INPUT_RATE) / 1000 / chunkSamples);
  const t0 = ctx.currentTime;
  let pushed = 0;
  for (let k = 0; k < chunks && !shouldStop(); k++) {
    // Paced by the audio clock (not Date.now) so a fake output device that runs slightly fast or slow does not
    // masquerade as network jitter.
    const due = t0 + (k * s.chunkMs + Math.random() * s.jitterMs) / 1000;
    const waitMs = (due - ctx.currentTime) * 1000;
    if (waitMs > 0) await sleep(waitMs);
    if (shouldStop()) break;
    voice.push(toneChunk(pushed, chunkSamples), itemId);
    pushed += chunkSamples;
  }
  return (pushed * 1000) / INPUT_RATE;
}

async function tone(s: ToneScenario): Promise<ToneResult> {
  const r = await rig(s.startThresholdMs);
  try {
    const { ctx, mixer, quanta } = r;
    const player = { x: 400, y: 300 };
    mixer.setListener(player.x, player.y);
    const voice = mixer.createVoice('npc', { panningModel: s.panningModel ?? 'HRTF' });
    voice.setPosition(player.x + s.dxPx, player.y);
    const speakingSeen: boolean[] = [];
    voice.on('speaking', (on) => speakingSeen.push(on));
    const levelsSeen: number[] = [];
    const levelTimer = setInterval(() => levelsSeen.push(voice.level()), 16);
    const playedMs: number[] = [];
    let stopped = false;
    let stopTime: number | null = null;
    let playedAtStopMs: number | null = null;
    const startedAt = performance.now();
    const sampler = setInterval(() => {
      playedMs.push(voice.playedMs('item_1'));
      if (s.stopAfterMs !== undefined && !stopped && performance.now() - startedAt >= s.stopAfterMs) {
        playedAtStopMs = voice.playedMs('item_1');
        stopTime = ctx.currentTime;
        voice.stop();
        stopped = true;
      }
    }, 10);
    const pushedMs = await withTimeout(feed(ctx, voice, s, 'item_1', () => stopped), s.toneMs + 5000, 'feed');
    // Let the buffer drain (or the stop settle), then stop sampling.
    await sleep(s.stopAfterMs !== undefined ? 400 : 300);
    clearInterval(sampler);
    clearInterval(levelTimer);
    const playedAfterStopMs = s.stopAfterMs !== undefined ? voice.playedMs('item_1') : null;
    const loud = (q: Quantum) => Math.sqrt((q.l + q.r) / 256) > 1e-3;
    const first = quanta.findIndex(loud);
    let last = -1;
    for (let i = quanta.length - 1; i >= 0; i--) {
      if (loud(quanta[i] as Quantum)) {
        last = i;
        break;
      }
    }
    let left = 0;
    let right = 0;
    let gapQuanta = 0;
    const gapAtMs: number[] = [];
    for (let i = Math.max(0, first); i <= last; i++) {
      const q = quanta[i] as Quantum;
      left += q.l;
      right += q.r;
      if (!loud(q)) {
        gapQuanta++;
        gapAtMs.push(((q.frame - (quanta[first] as Quantum).frame) * 1000) / ctx.sampleRate);
      }
    }
    const frameTime = (i: number) => (i < 0 ? null : ((quanta[i] as Quantum).frame + 128) / ctx.sampleRate);
    return {
      sampleRate: ctx.sampleRate,
      left,
      right,
      underruns: voice.underruns,
      gapQuanta,
      gapAtMs,
      playedMs,
      pushedMs,
      stopTime,
      lastLoudTime: frameTime(last),
      firstLoudTime: frameTime(first),
      playedAtStopMs,
      playedAfterStopMs,
      speakingSeen,
      levelsSeen,
    };
  } finally {
    await r.close();
  }
}

/**
 * Loads Chromium's HRTF database (once per browser process, asynchronously on the first HRTF panner), so that the
 * first scenario is not measured during the load, when panning is degraded and a few quanta drop out.
 */
async function warmUp(): Promise<void> {
  const ctx = new AudioContext();
  try {
    const osc = new OscillatorNode(ctx);
    osc.connect(new PannerNode(ctx, { panningModel: 'HRTF', positionX: -1 })).connect(new GainNode(ctx, { gain: 0 })).connect(ctx.destination);
    osc.start();
    await sleep(800);
    osc.stop();
  } finally {
    await ctx.close();
  }
}

/** What the mic scenario measured. */
export interface MicResult {
  chunkLengths: number[];
  maxLevel: number;
  trackKind: string;
  trackEndedAfterClose: string;
  denied: string | null;
}

/** Opens the (fake) microphone for `ms`, and also a capture whose getUserMedia is refused. */
async function mic(ms: number): Promise<MicResult> {
  const ctx = new AudioContext();
  try {
    const capture = await withTimeout(
      MicCapture.open(ctx, { constraints: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } }),
      5000,
      'MicCapture.open',
    );
    const chunks: Int16Array[] = [];
    let maxLevel = 0;
    const off = capture.onChunk((pcm) => {
      chunks.push(pcm);
      maxLevel = Math.max(maxLevel, capture.level());
    });
    await sleep(ms);
    off();
    const trackKind = capture.track.kind;
    capture.close();
    capture.close();
    let denied: string | null = null;
    try {
      await MicCapture.open(ctx, { mediaDevices: { getUserMedia: () => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')) } });
    } catch (err) {
      denied = err instanceof MicUnavailableError ? err.reason : `other: ${String(err)}`;
    }
    return {
      chunkLengths: chunks.map((c) => c.length),
      maxLevel,
      trackKind,
      trackEndedAfterClose: capture.track.readyState,
      denied,
    };
  } finally {
    await ctx.close();
  }
}

/** Which player a benchmark phase uses; `idle` runs the same feeder and recorder but pushes nowhere (the baseline). */
export type BenchPlayer = 'worklet' | 'naive' | 'idle';

/** What one benchmark phase measured. */
export interface BenchResult {
  player: BenchPlayer;
  audioMs: number;
  chunks: number;
  /** Main-thread ms spent inside push() (performance.now around each call). */
  pushMs: number;
  /** Underruns as the player itself counts them (worklet: queue ran dry mid-item; naive: chunk arrived after its slot). */
  underruns: number;
  /** Silent render quanta inside the audible span, measured on the output. */
  gapQuanta: number;
}

/** The naive player: one AudioBufferSourceNode per chunk, decoded and scheduled on the main thread. */
class NaivePlayer {
  private nextTime = 0;
  underruns = 0;
  constructor(
    private readonly ctx: AudioContext,
    private readonly out: AudioNode,
    private readonly leadS: number,
  ) {}

  push(pcm: Int16Array): void {
    const floats = new Float32Array(pcm.length);
    for (let i = 0; i < pcm.length; i++) floats[i] = (pcm[i] as number) / 32768;
    const buffer = this.ctx.createBuffer(1, pcm.length, INPUT_RATE);
    buffer.copyToChannel(floats, 0);
    const src = new AudioBufferSourceNode(this.ctx, { buffer });
    src.connect(this.out);
    const now = this.ctx.currentTime;
    if (this.nextTime < now) {
      // The previous chunk already ended: a gap (counted after the first chunk), then the same jitter lead again.
      if (this.nextTime > 0) this.underruns++;
      this.nextTime = now + this.leadS;
    }
    src.start(this.nextTime);
    this.nextTime += buffer.duration;
    src.onended = () => src.disconnect();
  }
}

let bench: { rig: Rig; player: BenchPlayer; push: (pcm: Int16Array) => void; underruns: () => number; chunks: Int16Array[] } | null = null;

/** Sets up one benchmark phase (context, graph, pre-generated chunks) so its cost is not measured. */
async function benchPrepare(player: BenchPlayer, seconds: number, chunkMs: number): Promise<void> {
  const r = await rig();
  r.mixer.setListener(0, 0);
  const chunkSamples = Math.round((chunkMs * INPUT_RATE) / 1000);
  const chunks: Int16Array[] = [];
  for (let at = 0; at < seconds * INPUT_RATE; at += chunkSamples) chunks.push(toneChunk(at, chunkSamples));
  if (player === 'worklet') {
    const voice = r.mixer.createVoice('npc', { panningModel: 'HRTF' });
    voice.setPosition(-150, 0);
    bench = { rig: r, player, chunks, push: (pcm) => voice.push(pcm, 'item_1'), underruns: () => voice.underruns };
  } else if (player === 'naive') {
    // The same gain → HRTF panner → destination chain, fed by per-chunk source nodes with the same 60 ms lead.
    const panner = new PannerNode(r.ctx, { panningModel: 'HRTF', distanceModel: 'inverse', refDistance: 100, maxDistance: 600, positionX: -150 });
    const gain = new GainNode(r.ctx);
    gain.connect(panner).connect(r.mixer.destination);
    const naive = new NaivePlayer(r.ctx, gain, 0.06);
    bench = { rig: r, player, chunks, push: (pcm) => naive.push(pcm), underruns: () => naive.underruns };
  } else {
    bench = { rig: r, player, chunks, push: () => {}, underruns: () => 0 };
  }
}

/** Streams the prepared chunks with arrival jitter, paced by the audio clock, and lets the output drain. */
async function benchRun(chunkMs: number, jitterMs: number): Promise<BenchResult> {
  const b = bench;
  if (!b) throw new Error('benchPrepare first');
  const { ctx, quanta } = b.rig;
  quanta.length = 0;
  // Counted now: the worklet player takes the chunks' buffers by transfer, emptying them.
  const audioMs = b.chunks.reduce((n, c) => n + c.length, 0) / (INPUT_RATE / 1000);
  const t0 = ctx.currentTime;
  let pushMs = 0;
  for (let k = 0; k < b.chunks.length; k++) {
    const due = t0 + (k * chunkMs + Math.random() * jitterMs) / 1000;
    const waitMs = (due - ctx.currentTime) * 1000;
    if (waitMs > 0) await sleep(waitMs);
    const chunk = b.chunks[k] as Int16Array;
    const start = performance.now();
    b.push(chunk);
    pushMs += performance.now() - start;
  }
  await sleep(300);
  const loud = (q: Quantum) => Math.sqrt((q.l + q.r) / 256) > 1e-3;
  const first = quanta.findIndex(loud);
  let last = -1;
  for (let i = quanta.length - 1; i >= 0; i--) {
    if (loud(quanta[i] as Quantum)) {
      last = i;
      break;
    }
  }
  let gapQuanta = 0;
  for (let i = Math.max(0, first); i <= last; i++) if (!loud(quanta[i] as Quantum)) gapQuanta++;
  return { player: b.player, audioMs, chunks: b.chunks.length, pushMs, underruns: b.underruns(), gapQuanta };
}

async function benchTeardown(): Promise<void> {
  const b = bench;
  bench = null;
  await b?.rig.close();
}

/**
 * Opens the microphone with the capture worklet's file URL gone (as when a dev server pre-bundles the library
 * elsewhere): the inlined code must load instead, unless the page's CSP forbids blob: scripts. Returns the chunk count
 * or the MicUnavailableError's reason and message.
 */
async function micWithoutWorkletFile(): Promise<{ chunks: number } | { reason: string; message: string }> {
  const ctx = new AudioContext();
  try {
    const capture = await withTimeout(
      MicCapture.open(ctx, { workletUrl: { url: '/no-such-worklet.js', source: micCaptureWorklet.source ?? '' } }),
      10_000,
      'MicCapture.open',
    );
    let chunks = 0;
    capture.onChunk(() => chunks++);
    await withTimeout(
      new Promise<void>((resolve) => {
        const check = (): void => (chunks >= 3 ? resolve() : void setTimeout(check, 20));
        check();
      }),
      10_000,
      'first chunks',
    );
    capture.close();
    return { chunks };
  } catch (err) {
    if (err instanceof MicUnavailableError) return { reason: err.reason, message: err.message };
    throw err;
  } finally {
    await ctx.close();
  }
}

const harness = { tone, rig, warmUp, mic, micWithoutWorkletFile, benchPrepare, benchRun, benchTeardown };
declare global {
  interface Window {
    harness: typeof harness;
  }
}
window.harness = harness;
document.title = 'ready';
