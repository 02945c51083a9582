// A Node stand-in for a browser running the Agents SDK over WebRTC: the SDK's own OpenAIRealtimeWebRTC transport on
// @roamhq/wrtc, a "microphone" fed from PCM in real time and a "speaker" (RTCAudioSink) that records what arrives.
import { OpenAIRealtimeWebRTC, RealtimeSession, type RealtimeAgent, type RealtimeSessionOptions } from '@openai/agents-realtime';
import { rms } from '../../../plugin/shared/pcm16.js';
import { AudioFramePacer } from '../../../server/emulator/webrtc/AudioFramePacer.js';
import { loadWrtc, type WrtcAudioSink, type WrtcAudioSource, type WrtcModule } from '../../../server/emulator/webrtc/loadWrtc.js';

/** A server event as a test sees it. */
export type TransportEvent = Record<string, unknown> & { type: string };

/** RMS (full scale = 1) above which a received 10 ms frame counts as NPC speech rather than silence. */
export const SPEECH_RMS = 0.01;

let wrtcModule: WrtcModule | undefined;

/** Loads wrtc and exposes its RTCPeerConnection as the global the SDK constructs. */
export async function installWrtc(): Promise<WrtcModule> {
  const loaded = await loadWrtc();
  if (!loaded.ok) throw new Error(loaded.reason);
  wrtcModule = loaded.wrtc;
  Object.assign(globalThis, { RTCPeerConnection: loaded.wrtc.RTCPeerConnection });
  return loaded.wrtc;
}

/** Removes the global installed by {@link installWrtc}. */
export function uninstallWrtc(): void {
  Reflect.deleteProperty(globalThis, 'RTCPeerConnection');
}

function wrtc(): WrtcModule {
  if (!wrtcModule) throw new Error('call installWrtc() first');
  return wrtcModule;
}

/** Mints an ek_ key through the real server route, as the game's page would. */
export async function mintKey(baseUrl: string, persona: string): Promise<{ value: string; callsUrl: string }> {
  const response = await fetch(`${baseUrl}/api/npc-voice/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ persona }),
  });
  if (!response.ok) throw new Error(`mint failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { value: string; callsUrl: string };
  return { value: body.value, callsUrl: body.callsUrl };
}

/** The client's speaker: records the energy of every frame received on the NPC's track. */
export class RemoteAudio {
  frames = 0;
  speechFrames = 0;
  /** `performance.now()` of the last frame with speech energy. */
  lastSpeechAt = -1;
  sampleRateHz = 0;
  private sink: WrtcAudioSink | null = null;
  private waiters = new Set<{ after: number; resolve: (at: number) => void }>();

  attach(track: MediaStreamTrack): void {
    this.sink?.stop();
    const sink = new (wrtc().nonstandard.RTCAudioSink)(track);
    sink.ondata = (data) => {
      this.frames++;
      this.sampleRateHz = data.sampleRate;
      if (rms(data.samples) < SPEECH_RMS) return;
      const now = performance.now();
      this.speechFrames++;
      this.lastSpeechAt = now;
      for (const waiter of [...this.waiters]) {
        if (now >= waiter.after) {
          this.waiters.delete(waiter);
          waiter.resolve(now);
        }
      }
    };
    this.sink = sink;
  }

  /** Resolves with the time of the first speech frame received at or after `after` (a `performance.now()`). */
  waitForSpeech(after = performance.now(), timeoutMs = 15_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no NPC speech received within ${timeoutMs} ms (${this.frames} frames, ${this.speechFrames} with speech)`));
      }, timeoutMs);
      const waiter = {
        after,
        resolve: (at: number) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      this.waiters.add(waiter);
    });
  }

  stop(): void {
    this.sink?.stop();
    this.sink = null;
  }
}

/** The client's microphone: plays PCM16 24 kHz into an RTCAudioSource in real time 10 ms frames, silence otherwise. */
export class Mic {
  readonly source: WrtcAudioSource;
  readonly track: MediaStreamTrack;
  readonly stream: MediaStream;
  private readonly pacer: AudioFramePacer;
  private utterances = 0;
  private readonly done = new Map<string, () => void>();

  constructor() {
    const w = wrtc();
    this.source = new w.nonstandard.RTCAudioSource();
    this.track = this.source.createTrack();
    this.stream = new w.MediaStream([this.track]);
    this.pacer = new AudioFramePacer({
      pushFrame: (samples, sampleRate) => this.source.onData({ samples, sampleRate }),
      // The server's speech engines share this process: after a stall, send the late frames rather than lose speech.
      maxCatchUpFrames: 500,
      onStopped: (id) => {
        this.done.get(id)?.();
        this.done.delete(id);
      },
    });
    this.pacer.start();
  }

  /** Speaks `pcm`; resolves with `performance.now()` when its last frame has been sent. */
  say(pcm: Int16Array): Promise<number> {
    const id = `utterance_${++this.utterances}`;
    const finished = new Promise<number>((resolve) => this.done.set(id, () => resolve(performance.now())));
    this.pacer.write(pcm, id, id);
    this.pacer.end(id);
    return finished;
  }

  stop(): void {
    this.pacer.stop();
    this.track.stop();
  }
}

/** One SDK session over WebRTC with its mic, speaker and a log of every transport event. */
export interface WebrtcClient {
  session: RealtimeSession;
  transport: OpenAIRealtimeWebRTC;
  events: TransportEvent[];
  remote: RemoteAudio;
  mic: Mic;
  /** Resolves with the next transport event (from now on) matching `predicate`. */
  next(predicate: (e: TransportEvent) => boolean, timeoutMs?: number): Promise<TransportEvent>;
  close(): void;
}

/** Connects a RealtimeSession through the SDK's WebRTC transport to `callsUrl` with `apiKey`. */
export async function connectWebrtc(options: {
  agent: RealtimeAgent;
  apiKey: string;
  callsUrl: string;
  config?: RealtimeSessionOptions['config'];
}): Promise<WebrtcClient> {
  const mic = new Mic();
  const remote = new RemoteAudio();
  const transport = new OpenAIRealtimeWebRTC({
    mediaStream: mic.stream,
    // The SDK only sets `autoplay` and `srcObject` on it; Node has no media elements.
    audioElement: { autoplay: false, srcObject: null } as unknown as HTMLAudioElement,
    changePeerConnection: (pc) => {
      pc.addEventListener('track', (event) => remote.attach(event.track));
      return pc;
    },
  });
  const session = new RealtimeSession(options.agent, {
    transport,
    model: 'gpt-realtime',
    ...(options.config ? { config: options.config } : {}),
  });
  const events: TransportEvent[] = [];
  const listeners = new Set<(e: TransportEvent) => void>();
  session.on('transport_event', (event) => {
    const e = event as TransportEvent;
    events.push(e);
    for (const listener of [...listeners]) listener(e);
  });
  const next = (predicate: (e: TransportEvent) => boolean, timeoutMs = 15_000): Promise<TransportEvent> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(listener);
        reject(new Error(`timed out after ${timeoutMs} ms; last events: ${events.slice(-6).map((e) => e.type).join(', ')}`));
      }, timeoutMs);
      const listener = (e: TransportEvent): void => {
        if (!predicate(e)) return;
        clearTimeout(timer);
        listeners.delete(listener);
        resolve(e);
      };
      listeners.add(listener);
    });
  const close = (): void => {
    // Stop feeding and reading audio before the peer goes away: wrtc is fragile when tracks outlive their peer.
    remote.stop();
    mic.stop();
    session.close();
  };
  try {
    await session.connect({ apiKey: options.apiKey, url: options.callsUrl });
  } catch (error) {
    close();
    throw error;
  }
  return { session, transport, events, remote, mic, next, close };
}
