import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MicSource } from '../../../plugin/audioBackend.js';
import { MicRouter, resumeOnFirstGesture, type MicTarget } from '../../../plugin/core/MicRouter.js';
import { MAX_EARLY_AUDIO_MS } from '../../../plugin/session/NpcSession.js';
import { createFakeNpcVoice, createFakeSprite, type ScriptedRealtimeTransport } from '../../../plugin/testing/index.js';
import { deferredMint, personaJson } from './fixtures.js';

/** A MicTarget that records what the router did to it. */
function target(pushToTalk: boolean) {
  const log: string[] = [];
  const t: MicTarget = {
    pushToTalk,
    sendAudio: (pcm) => log.push(`audio:${pcm.length}`),
    beginTurn: () => log.push('begin'),
    endTurn: () => log.push('end'),
    setMicEnabled: (on) => log.push(`mic:${on}`),
    micOpened: () => log.push('opened'),
    micClosed: () => log.push('closed'),
  };
  return { t, log };
}

/** A microphone stand-in whose chunks the test pushes. */
function fakeMic() {
  let cb: ((pcm: Int16Array) => void) | null = null;
  const mic: MicSource = {
    onChunk: (fn) => (cb = fn),
    level: () => 0.5,
    track: {} as MediaStreamTrack,
    close: vi.fn(),
  };
  return { mic, chunk: (n: number) => cb?.(new Int16Array(n)), opened: () => cb !== null };
}

afterEach(() => vi.useRealTimers());

describe('MicRouter', () => {
  it('streams to a push-to-talk NPC only while the key is held, then ends the turn', async () => {
    const { mic, chunk } = fakeMic();
    const smith = target(true);
    const router = new MicRouter({ openMic: () => Promise.resolve(mic), onUnavailable: () => {}, onError: () => {}, targets: () => [smith.t] });
    router.setTarget(smith.t);
    router.setTalking(true);
    await vi.waitFor(() => expect(smith.log).toContain('opened'));
    chunk(480);
    router.setTalking(false);
    chunk(480);
    expect(smith.log).toEqual(['mic:false', 'begin', 'mic:true', 'opened', 'audio:480', 'end', 'mic:false']);
    router.destroy();
    expect(mic.close).toHaveBeenCalledTimes(1);
    router.destroy();
    expect(mic.close).toHaveBeenCalledTimes(1);
  });

  it('streams continuously to a hands-free NPC and only to the addressed one', async () => {
    const { mic, chunk, opened } = fakeMic();
    const a = target(false);
    const b = target(false);
    const router = new MicRouter({ openMic: () => Promise.resolve(mic), onUnavailable: () => {}, onError: () => {}, targets: () => [] });
    router.setTarget(a.t);
    expect(a.log).toEqual(['mic:true']);
    await vi.waitFor(() => expect(opened()).toBe(true));
    chunk(240);
    router.setTarget(b.t);
    chunk(240);
    expect(a.log.filter((l) => l.startsWith('audio'))).toEqual(['audio:240']);
    expect(b.log.filter((l) => l.startsWith('audio'))).toEqual(['audio:240']);
    router.destroy();
  });

  it('reports a denied microphone once and stays text-only', async () => {
    const reasons: string[] = [];
    const router = new MicRouter({
      openMic: () => Promise.reject(Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' })),
      onUnavailable: (r) => reasons.push(r),
      onError: () => {},
      targets: () => [],
    });
    router.setTalking(true);
    await vi.waitFor(() => expect(reasons).toEqual(['denied']));
    router.setTalking(false);
    router.setTalking(true);
    await Promise.resolve();
    expect(reasons).toEqual(['denied']);
    expect(router.textOnly).toBe(true);
  });

  it('"type only": voice off closes the mic, mutes the NPC and ignores the key until turned back on', async () => {
    const { mic, chunk } = fakeMic();
    let opens = 0;
    const guard = target(false);
    const router = new MicRouter({
      openMic: () => {
        opens++;
        return Promise.resolve(mic);
      },
      onUnavailable: () => {},
      onError: () => {},
      targets: () => [guard.t],
    });
    router.setTarget(guard.t);
    await vi.waitFor(() => expect(guard.log).toContain('opened'));
    router.setVoiceOff(true);
    expect(router.textOnly).toBe(true);
    expect(mic.close).toHaveBeenCalledTimes(1);
    // Every session is told, so WebRTC calls stop their copy of the microphone too.
    expect(guard.log.slice(-2)).toEqual(['mic:false', 'closed']);
    chunk(240);
    router.setTalking(true);
    expect(router.talking).toBe(false);
    expect(guard.log.filter((l) => l.startsWith('audio'))).toEqual([]);
    expect(opens).toBe(1);

    router.setVoiceOff(false);
    expect(router.textOnly).toBe(false);
    expect(guard.log.at(-1)).toBe('mic:true');
    await vi.waitFor(() => expect(opens).toBe(2));
    router.destroy();
  });
});

describe('resumeOnFirstGesture', () => {
  it('resumes a suspended context on the first gesture and removes both listeners', async () => {
    const listeners = new Map<string, () => void>();
    const gestures = {
      addEventListener: (type: string, fn: () => void) => listeners.set(type, fn),
      removeEventListener: (type: string) => listeners.delete(type),
    };
    const context = { state: 'suspended' as AudioContextState, resume: vi.fn(() => Promise.resolve()) };
    resumeOnFirstGesture(context, gestures);
    expect([...listeners.keys()].sort()).toEqual(['keydown', 'pointerdown']);
    listeners.get('keydown')?.();
    expect(context.resume).toHaveBeenCalledTimes(1);
    expect(listeners.size).toBe(0);
  });
});

/** The smith's session opening, its key held back until `mint.release()`. */
function connectingSmith() {
  const mint = deferredMint();
  const fake = createFakeNpcVoice({ personas: { blacksmith: personaJson('blacksmith') }, fetch: mint.fetch });
  fake.controller.start();
  const smith = fake.controller.bind(createFakeSprite(), 'blacksmith');
  smith.session.open(true);
  return { mint, fake, smith };
}

describe('push-to-talk on a live session', () => {
  type Recorded = { method: string } & Record<string, unknown>;
  const calls = (t: ScriptedRealtimeTransport): Recorded[] => t.calls.map((c): Recorded => ({ ...c }));

  it('commits the buffer and requests a response on release (turn detection is off)', async () => {
    const fake = createFakeNpcVoice({ personas: { blacksmith: personaJson('blacksmith') } });
    fake.controller.start();
    const smith = fake.controller.bind(createFakeSprite(), 'blacksmith');
    smith.session.open(true);
    await vi.waitFor(() => expect(smith.state).toBe('listening'));
    const t = fake.transportOf(smith);
    if (!t) throw new Error('no transport');
    const start = t.calls.length;
    smith.session.beginTurn();
    smith.session.sendAudio(new Int16Array(4800)); // 200 ms at 24 kHz
    smith.session.endTurn();
    const sent = calls(t).slice(start).map((c) => (c.method === 'sendEvent' ? `sendEvent:${String((c.event as { type: string }).type)}` : c.method));
    expect(sent).toEqual(['sendEvent:input_audio_buffer.clear', 'sendAudio', 'sendEvent:input_audio_buffer.commit', 'requestResponse']);
    expect(smith.state).toBe('thinking');
    fake.controller.destroy();
  });

  it('drops a too-short press instead of committing an empty buffer (the API rejects < 100 ms)', async () => {
    const fake = createFakeNpcVoice({ personas: { blacksmith: personaJson('blacksmith') } });
    fake.controller.start();
    const smith = fake.controller.bind(createFakeSprite(), 'blacksmith');
    smith.session.open(true);
    await vi.waitFor(() => expect(smith.state).toBe('listening'));
    const t = fake.transportOf(smith);
    if (!t) throw new Error('no transport');
    smith.session.beginTurn();
    smith.session.sendAudio(new Int16Array(480));
    smith.session.endTurn();
    expect(calls(t).filter((c) => c.method === 'requestResponse')).toHaveLength(0);
    expect(smith.state).toBe('listening');
    fake.controller.destroy();
  });

  it('keeps what the player says while the connection opens and commits it once connected', async () => {
    const { mint, fake, smith } = connectingSmith();
    expect(smith.state).toBe('connecting');
    // Pressed, spoke 300 ms in two chunks and released, all before the key arrived.
    smith.session.beginTurn();
    const first = new Int16Array(4800).fill(1000);
    const second = new Int16Array(2400).fill(-1000);
    smith.session.sendAudio(first);
    smith.session.sendAudio(second);
    smith.session.endTurn();
    expect(smith.session.hasPendingInput).toBe(true);
    mint.release();
    await vi.waitFor(() => expect(smith.state).toBe('thinking'));
    const t = fake.transportOf(smith);
    if (!t) throw new Error('no transport');
    const sent = calls(t)
      .filter((c) => c.method === 'sendAudio' || c.method === 'sendEvent' || c.method === 'requestResponse')
      .map((c) => (c.method === 'sendEvent' ? `sendEvent:${String((c.event as { type: string }).type)}` : c.method));
    expect(sent).toEqual(['sendAudio', 'sendEvent:input_audio_buffer.commit', 'requestResponse']);
    const audio = calls(t).find((c) => c.method === 'sendAudio')?.audio as ArrayBuffer;
    const pcm = new Int16Array(audio);
    expect(pcm.length).toBe(7200);
    expect([pcm[0], pcm[4799], pcm[4800], pcm[7199]]).toEqual([1000, 1000, -1000, -1000]);
    expect(smith.session.hasPendingInput).toBe(false);
    fake.controller.destroy();
  });

  it('keeps at most the last 10 s of early audio, and forgets it when the player presses again', async () => {
    const { mint, fake, smith } = connectingSmith();
    smith.session.beginTurn();
    smith.session.sendAudio(new Int16Array(24_000).fill(7)); // a first attempt, abandoned
    smith.session.endTurn();
    smith.session.beginTurn();
    for (let i = 0; i < 12; i++) smith.session.sendAudio(new Int16Array(24_000).fill(i)); // 12 s
    smith.session.endTurn();
    mint.release();
    await vi.waitFor(() => expect(smith.state).toBe('thinking'));
    const t = fake.transportOf(smith);
    if (!t) throw new Error('no transport');
    const audio = calls(t).filter((c) => c.method === 'sendAudio');
    expect(audio).toHaveLength(1);
    const pcm = new Int16Array(audio[0]?.audio as ArrayBuffer);
    expect(pcm.length).toBe(MAX_EARLY_AUDIO_MS * 24);
    expect([pcm[0], pcm[pcm.length - 1]]).toEqual([2, 11]);
    fake.controller.destroy();
  });
});
