import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MintError, type NpcVoiceError } from '../../../../plugin/errors.js';
import { Connection, type ConnectionHooks } from '../../../../plugin/session/connection.js';

// The connection state machine on its own, with fake timers: attempts, backoff, the cool-down after giving up, and
// the attempt tokens that turn the awaits of a stale attempt into a no-op.

interface Dial {
  id: number;
  resolve: () => void;
  reject: (err: unknown) => void;
  current: () => boolean;
}

function machine(backoff = { baseMs: 100, maxMs: 1000, maxAttempts: 3, jitter: 0 }) {
  const dials: Dial[] = [];
  const log: string[] = [];
  const errors: NpcVoiceError[] = [];
  let seq = 0;
  const hooks: ConnectionHooks<number> = {
    open: (current) =>
      new Promise<number>((resolve, reject) => {
        const id = ++seq;
        dials.push({ id, resolve: () => resolve(id), reject, current });
      }),
    dispose: (live) => log.push(`dispose:${live}`),
    up: (live) => log.push(`up:${live}`),
    changed: () => log.push(`status:${connection.status}`),
    error: (e) => errors.push(e),
  };
  const connection: Connection<number> = new Connection(hooks, { backoff, random: () => 0.5 });
  const last = (): Dial => {
    const d = dials.at(-1);
    if (!d) throw new Error('no dial');
    return d;
  };
  return { connection, dials, log, errors, last };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('Connection', () => {
  it('goes idle → connecting → live, tells the status before the connection is used, and opens once', async () => {
    const m = machine();
    m.connection.open();
    m.connection.open();
    expect(m.dials).toHaveLength(1);
    expect(m.connection.active).toBe(true);
    m.last().resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(m.connection.status).toBe('live');
    expect(m.connection.live).toBe(1);
    expect(m.log).toEqual(['status:connecting', 'status:live', 'up:1']);
  });

  it('retries a failed attempt after an exponential delay and gives up after maxAttempts, then cools down', async () => {
    const m = machine();
    m.connection.open();
    m.last().reject(new Error('ECONNREFUSED'));
    await vi.advanceTimersByTimeAsync(0);
    expect(m.connection.status).toBe('backoff');
    expect(m.errors.map((e) => e.code)).toEqual(['connect_failed']);
    expect(m.errors[0]?.message).toMatch(/could not connect: ECONNREFUSED/);
    await vi.advanceTimersByTimeAsync(99);
    expect(m.dials).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.dials).toHaveLength(2);
    m.last().reject(new Error('again'));
    await vi.advanceTimersByTimeAsync(200);
    expect(m.dials).toHaveLength(3);
    m.last().reject(new Error('again'));
    await vi.advanceTimersByTimeAsync(400);
    expect(m.dials).toHaveLength(4);
    m.last().reject(new Error('again'));
    await vi.advanceTimersByTimeAsync(0);
    expect(m.connection.status).toBe('failed');
    expect(m.errors.at(-1)?.code).toBe('retries_exhausted');
    // The cool-down: a proximity open waits, the player talking forces a new attempt.
    m.connection.open();
    expect(m.dials).toHaveLength(4);
    m.connection.open(true);
    expect(m.dials).toHaveLength(5);
    expect(m.connection.status).toBe('connecting');
  });

  it('waits at least the Retry-After of a mint refusal', async () => {
    const m = machine();
    m.connection.open();
    m.last().reject(new MintError('http_429', 'slow down', 429, 700));
    await vi.advanceTimersByTimeAsync(699);
    expect(m.dials).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.dials).toHaveLength(2);
    expect(m.errors[0]?.code).toBe('http_429');
  });

  it('releases what a stale attempt built: closed while connecting, the late connection is disposed, never live', async () => {
    const m = machine();
    m.connection.open();
    const stale = m.last();
    m.connection.close();
    expect(stale.current()).toBe(false);
    stale.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(m.connection.status).toBe('idle');
    expect(m.log).toEqual(['status:connecting', 'status:idle', 'dispose:1']);
    // A failure of the stale attempt is not reported either.
    m.connection.open();
    const second = m.last();
    m.connection.close();
    second.reject(new Error('late'));
    await vi.advanceTimersByTimeAsync(0);
    expect(m.errors).toEqual([]);
  });

  it('reconnects after a drop of the live connection, and ignores a drop of one that is not live', async () => {
    const m = machine();
    m.connection.open();
    m.last().resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(m.connection.dropped(99)).toBe(false);
    expect(m.connection.dropped(1)).toBe(true);
    expect(m.connection.status).toBe('backoff');
    expect(m.log.slice(-2)).toEqual(['dispose:1', 'status:backoff']);
    await vi.advanceTimersByTimeAsync(100);
    m.last().resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(m.connection.live).toBe(2);
  });

  it('stops a pending retry on close, and never opens again after destroy', async () => {
    const m = machine();
    m.connection.open();
    m.last().reject(new Error('down'));
    await vi.advanceTimersByTimeAsync(0);
    m.connection.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(m.dials).toHaveLength(1);
    m.connection.open();
    m.last().resolve();
    await vi.advanceTimersByTimeAsync(0);
    m.connection.destroy();
    expect(m.log.slice(-2)).toEqual(['dispose:2', 'status:closed']);
    m.connection.open(true);
    m.connection.destroy();
    expect(m.dials).toHaveLength(2);
    expect(m.connection.active).toBe(false);
  });
});
