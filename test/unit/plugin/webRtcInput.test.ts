import { describe, expect, it } from 'vitest';
import { WebRtcInput } from '../../../plugin/session/transports/WebRtcInput.js';

const SAMPLES_PER_MS = 24;

/** A clock and timers the test moves by hand, and a port that records what the input did to the call. */
function rig(options: { rttMs?: number | null } = {}) {
  let nowMs = 0;
  const timers: { at: number; fn: () => void; id: number }[] = [];
  let seq = 0;
  const log: string[] = [];
  /** Every sample sent over the data channel, in order. */
  const sent: number[] = [];
  let trackEnabled = false;
  const input = new WebRtcInput(
    {
      append: (pcm) => {
        log.push(`append:${pcm.length}`);
        sent.push(...pcm);
      },
      setTrackEnabled: (on) => {
        if (on !== trackEnabled) log.push(`track:${on}`);
        trackEnabled = on;
      },
      commit: () => log.push('commit'),
      roundTripMs: () => options.rttMs ?? null,
    },
    {
      now: () => nowMs,
      setTimer: (fn, ms) => {
        const id = ++seq;
        timers.push({ at: nowMs + ms, fn, id });
        return id;
      },
      clearTimer: (id) => {
        const i = timers.findIndex((t) => t.id === id);
        if (i >= 0) timers.splice(i, 1);
      },
    },
  );
  const advance = (ms: number) => {
    const until = nowMs + ms;
    for (;;) {
      timers.sort((a, b) => a.at - b.at);
      const next = timers[0];
      if (!next || next.at > until) break;
      timers.shift();
      nowMs = next.at;
      next.fn();
    }
    nowMs = until;
  };
  /** `ms` of microphone audio (voice or silence) in 40 ms chunks, with the clock moving as it is captured. */
  const speak = (ms: number, voiced: boolean, first = 1) => {
    let value = first;
    for (let t = 0; t < ms; t += 40) {
      const pcm = new Int16Array(40 * SAMPLES_PER_MS).fill(voiced ? 8000 : 0);
      pcm[0] = value++;
      advance(40);
      input.audio(pcm);
    }
    return value;
  };
  return { input, log, sent, advance, speak, track: () => trackEnabled, pendingTimers: () => timers.length };
}

describe('WebRtcInput', () => {
  it('on a release right after speech, keeps the track on and commits once the last words crossed the media path', () => {
    const r = rig({ rttMs: 40 });
    r.input.trackReady(true);
    r.input.setEnabled(true);
    r.speak(800, true);
    r.input.endTurn();
    r.input.setEnabled(false);
    // 150 ms of media latency plus half the 40 ms round trip: nothing is committed before, the track still sends.
    r.advance(169);
    expect(r.log).toEqual(['track:true']);
    expect(r.track()).toBe(true);
    r.advance(1);
    expect(r.log).toEqual(['track:true', 'track:false', 'commit']);
  });

  it('commits at once when the player was already quiet for longer than the media path', () => {
    const r = rig();
    r.input.trackReady(true);
    r.input.setEnabled(true);
    r.speak(600, true);
    r.speak(400, false);
    r.input.endTurn();
    expect(r.log).toEqual(['track:true', 'commit']);
    expect(r.pendingTimers()).toBe(0);
  });

  it('waits only for what is still in flight when the player fell quiet a moment ago', () => {
    const r = rig();
    r.input.trackReady(true);
    r.input.setEnabled(true);
    r.speak(600, true);
    r.speak(80, false);
    r.input.endTurn();
    r.advance(69);
    expect(r.log).not.toContain('commit');
    r.advance(1);
    expect(r.log.at(-1)).toBe('commit');
  });

  it('carries on the same turn when push-to-talk is pressed again before the release committed', () => {
    const r = rig();
    r.input.trackReady(true);
    r.input.setEnabled(true);
    r.speak(400, true);
    r.input.endTurn();
    r.advance(50);
    expect(r.input.beginTurn()).toBe(true);
    r.speak(400, true);
    r.advance(1000);
    expect(r.log).not.toContain('commit');
    expect(r.input.beginTurn()).toBe(false);
  });

  it('keeps the microphone until the track carries it, then sends it at the next pause before enabling the track', () => {
    const r = rig();
    r.input.setEnabled(true);
    // The call still sends the placeholder: the words are kept, the track stays off.
    let next = r.speak(400, true);
    expect(r.sent).toEqual([]);
    expect(r.track()).toBe(false);
    r.input.trackReady(true);
    // Still speaking: moving now would put a gap inside a word.
    next = r.speak(200, true, next);
    expect(r.sent).toEqual([]);
    next = r.speak(280, false, next);
    // All of it, in order, over the data channel, and only then the track.
    const firsts = r.sent.filter((_, i) => i % (40 * SAMPLES_PER_MS) === 0);
    expect(firsts).toEqual(Array.from({ length: firsts.length }, (_, i) => i + 1));
    expect(firsts.length).toBeGreaterThanOrEqual(20);
    expect(r.log.at(-1)).toBe('track:true');
    const sentBefore = r.sent.length;
    r.speak(400, true, next);
    expect(r.sent.length).toBe(sentBefore);
  });

  it('sends early audio in appends of at most 500 ms, the data channel limits one message to 256 KiB', () => {
    const r = rig();
    const chunks = Array.from({ length: 100 }, () => new Int16Array(40 * SAMPLES_PER_MS));
    r.input.prepend(chunks, false);
    r.input.trackReady(true);
    const appends = r.log.filter((l) => l.startsWith('append:')).map((l) => Number(l.slice('append:'.length)));
    expect(appends.reduce((a, b) => a + b, 0)).toBe(4000 * SAMPLES_PER_MS);
    expect(Math.max(...appends)).toBeLessThanOrEqual(500 * SAMPLES_PER_MS);
  });

  it('commits a push-to-talk turn that ended while connecting right after its audio', () => {
    const r = rig();
    r.input.prepend([new Int16Array(4800).fill(8000)], true);
    expect(r.log).toEqual(['append:4800', 'commit']);
  });

  it('on a release while the words are still kept, sends them all and then commits', () => {
    const r = rig();
    r.input.setEnabled(true);
    r.speak(400, true);
    r.input.endTurn();
    expect(r.log).toEqual(['append:9600', 'commit']);
  });

  it('moves to the track without a pause once the kept audio reaches its limit', () => {
    const r = rig();
    r.input.setEnabled(true);
    r.speak(2000, true);
    r.input.trackReady(true);
    r.speak(7960, true);
    expect(r.sent).toEqual([]);
    r.speak(40, true);
    expect(r.sent.length).toBe(10_000 * SAMPLES_PER_MS);
    expect(r.track()).toBe(true);
  });

  it('keeps only the last 10 s while the call sends a placeholder', () => {
    const r = rig();
    r.input.setEnabled(true);
    r.speak(12_000, true);
    r.input.endTurn();
    expect(r.sent.length).toBe(10_000 * SAMPLES_PER_MS);
    expect(r.log.at(-1)).toBe('commit');
  });

  it('stops a pending release when disposed', () => {
    const r = rig();
    r.input.trackReady(true);
    r.input.setEnabled(true);
    r.speak(400, true);
    r.input.endTurn();
    r.input.dispose();
    r.advance(1000);
    expect(r.log).not.toContain('commit');
  });
});
