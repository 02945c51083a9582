import { describe, expect, it, vi } from 'vitest';
import { ConfigError, readConfig } from '../../../server/config.js';
import { DelayLine, FrameLoss, LINK, LinkSchedule, MediaLink, NetworkConditionsError, parseNetworkConditions, type LinkId } from '../../../server/emulator/network/networkConditions.js';

describe('parseNetworkConditions', () => {
  it('reads any subset in any order, with defaults for the rest', () => {
    expect(parseNetworkConditions('jitter=50, latency=200;seed=7')).toEqual({ latencyMs: 200, jitterMs: 50, kbps: null, dropPercent: 0, disconnectAfterMs: null, seed: 7 });
    expect(parseNetworkConditions('kbps=256,disconnect=30000')).toEqual({ latencyMs: 0, jitterMs: 0, kbps: 256, dropPercent: 0, disconnectAfterMs: 30_000, seed: 1 });
  });

  it('takes a fractional drop rate, and whole numbers elsewhere', () => {
    expect(parseNetworkConditions('drop=0.5').dropPercent).toBe(0.5);
  });

  it.each([
    ['drop=101', 'drop', /"drop" must be a number from 0 to 100/],
    ['latncy=200', 'latncy', /unknown field "latncy"/],
    ['latency=-5', 'latency', /"latency" must be an integer from 0/],
    ['latency=2.5', 'latency', /integer/],
    ['kbps=0', 'kbps', /"kbps" must be an integer from 1/],
    ['latency=10,latency=20', 'latency', /given twice/],
    ['latency=10,jitter=50', 'jitter', /must not exceed "latency"/],
    ['disconnect', 'disconnect', /"disconnect" must be an integer/],
    ['', 'netem', /empty spec/],
  ])('refuses %j, naming %s', (spec, field, message) => {
    let caught: unknown;
    try {
      parseNetworkConditions(spec);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NetworkConditionsError);
    expect((caught as NetworkConditionsError).field).toBe(field);
    expect((caught as Error).message).toMatch(message);
  });

  it('is read from NPC_VOICE_NETEM, and a bad one stops the server naming the variable and the field', () => {
    expect(readConfig({}).netem).toBeNull();
    expect(readConfig({ NPC_VOICE_NETEM: 'latency=120' }).netem).toMatchObject({ latencyMs: 120 });
    expect(() => readConfig({ NPC_VOICE_NETEM: 'lag=5' })).toThrow(ConfigError);
    expect(() => readConfig({ NPC_VOICE_NETEM: 'lag=5' })).toThrow(/NPC_VOICE_NETEM: unknown field "lag"/);
  });
});

describe('LinkSchedule', () => {
  const conditions = parseNetworkConditions('latency=200,jitter=50,seed=7');
  const arrivals = (c = conditions, direction: LinkId = LINK.serverToClient) => {
    const link = new LinkSchedule(c, direction);
    return Array.from({ length: 50 }, (_, i) => link.arrival(i * 20, 100));
  };

  it('gives the same schedule for the same seed, and another for another seed or direction', () => {
    expect(arrivals()).toEqual(arrivals());
    expect(arrivals(parseNetworkConditions('latency=200,jitter=50,seed=8'))).not.toEqual(arrivals());
    expect(arrivals(conditions, LINK.clientToServer)).not.toEqual(arrivals());
  });

  it('delays every message by latency ± jitter and never reorders them', () => {
    const times = arrivals();
    times.forEach((at, i) => {
      expect(at - i * 20).toBeGreaterThanOrEqual(150);
      if (i > 0) expect(at).toBeGreaterThanOrEqual(times[i - 1] as number);
    });
    // Jitter really varies the delay (not a constant 200 ms).
    expect(new Set(times.map((at, i) => Math.round(at - i * 20))).size).toBeGreaterThan(10);
  });

  it('serializes at the bandwidth cap: 10 kB at 80 kbit/s takes a second to get through', () => {
    const link = new LinkSchedule(parseNetworkConditions('kbps=80'), LINK.serverToClient);
    expect(link.arrival(0, 5_000)).toBeCloseTo(500);
    // Sent at once behind the first: waits for the link.
    expect(link.arrival(0, 5_000)).toBeCloseTo(1_000);
    // Sent after the link is free: only its own time.
    expect(link.arrival(5_000, 1_000)).toBeCloseTo(5_100);
  });
});

describe('DelayLine', () => {
  it('delivers in order after the schedule and drops what is in flight when closed', () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const got: string[] = [];
      const line = new DelayLine<string>(parseNetworkConditions('latency=100'), LINK.serverToClient, (item) => got.push(item), () => now);
      line.push('a', 10);
      line.push('b', 10);
      now = 99;
      vi.advanceTimersByTime(99);
      expect(got).toEqual([]);
      now = 100;
      vi.advanceTimersByTime(1);
      expect(got).toEqual(['a', 'b']);
      line.push('c', 10);
      line.close();
      now = 300;
      vi.advanceTimersByTime(200);
      expect(got).toEqual(['a', 'b']);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('media frame loss', () => {
  const lossPattern = (spec: string, direction: LinkId = LINK.mediaOut) => {
    const loss = new FrameLoss(parseNetworkConditions(spec), direction);
    return Array.from({ length: 10_000 }, () => loss.lost());
  };

  it('loses about the drop rate of frames, the same ones for the same seed', () => {
    const lost = lossPattern('drop=5,seed=3');
    const share = lost.filter(Boolean).length / lost.length;
    expect(share).toBeGreaterThan(0.04);
    expect(share).toBeLessThan(0.06);
    expect(lossPattern('drop=5,seed=3')).toEqual(lost);
    expect(lossPattern('drop=5,seed=3', LINK.mediaIn)).not.toEqual(lost);
    expect(lossPattern('latency=10').some(Boolean)).toBe(false);
  });

  it('delivers the frames it does not lose after the latency, in order', () => {
    vi.useFakeTimers();
    try {
      const got: number[] = [];
      const link = new MediaLink<number>(parseNetworkConditions('latency=80,drop=20,seed=5'), LINK.mediaOut, (frame) => got.push(frame));
      for (let i = 0; i < 100; i++) link.push(i);
      expect(got).toEqual([]);
      vi.advanceTimersByTime(81);
      expect(got.length + link.lostFrames).toBe(100);
      expect(link.lostFrames).toBeGreaterThan(5);
      expect(got).toEqual([...got].sort((a, b) => a - b));
    } finally {
      vi.useRealTimers();
    }
  });
});
