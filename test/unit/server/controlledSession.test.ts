import { describe, expect, it } from 'vitest';
import {
  applyPolicies,
  ControlledSessionBase,
  type ControlClientEvent,
  type ObservedServerEvent,
} from '../../../server/control/ControlledSession.js';
import { ControlTokens, presentedToken } from '../../../server/control/ControlTokens.js';
import { MemoryStore } from '../../../server/store/Store.js';

/** A channel that records what it was asked to do; the test plays its other side. */
class RecordingSession extends ControlledSessionBase {
  readonly sent: ControlClientEvent[] = [];
  terminated: string | null = null;
  constructor(readonly logs: string[] = []) {
    super({ sessionId: 'relay_1', playerId: 'p1', personaId: 'blacksmith', persona: undefined, channel: 'relay' }, (line) => logs.push(line));
  }
  protected transmit(event: ControlClientEvent): void {
    this.sent.push(event);
  }
  protected terminate(reason: string): void {
    this.terminated = reason;
  }
  fromServer(event: ObservedServerEvent): void {
    this.serverEvent(event);
  }
  fromBrowser(event: ControlClientEvent) {
    return this.clientEvent(event);
  }
  upstreamEnded(reason: string): void {
    this.ended(reason);
  }
}

describe('ControlledSessionBase', () => {
  it('drops a client event when any listener says so, and a throwing listener neither stops the others nor the event', () => {
    const session = new RecordingSession();
    const seen: string[] = [];
    session.onClientEvent(() => {
      throw new Error('boom');
    });
    session.onClientEvent((e) => void seen.push(e.type));
    session.onClientEvent((e) => (e.type === 'session.update' ? 'drop' : undefined));
    expect(session.fromBrowser({ type: 'response.create' })).toBe('forward');
    expect(session.fromBrowser({ type: 'session.update' })).toBe('drop');
    expect(seen).toEqual(['response.create', 'session.update']);
    expect(session.logs.filter((l) => l.includes('boom'))).toHaveLength(2);
  });

  it('closes once, runs close listeners (also late ones) and policy disposers, and sends nothing afterwards', () => {
    const session = new RecordingSession();
    const disposed: string[] = [];
    const events: string[] = [];
    applyPolicies(
      session,
      [
        (s) => {
          s.onServerEvent((e) => void events.push(e.type));
          return () => disposed.push('first');
        },
        () => {
          throw new Error('bad policy');
        },
        () => () => disposed.push('third'),
      ],
      (line) => session.logs.push(line),
    );
    session.fromServer({ type: 'session.created' });
    const reasons: string[] = [];
    session.onClose((r) => reasons.push(r));
    session.close('time is up');
    session.close('again');
    session.upstreamEnded('late');
    expect([session.terminated, reasons, disposed, events]).toEqual(['time is up', ['time is up'], ['first', 'third'], ['session.created']]);
    session.onClose((r) => reasons.push(`late ${r}`));
    expect(reasons).toEqual(['time is up', 'late time is up']);
    session.send({ type: 'response.create' });
    expect(session.sent).toEqual([]);
    expect(session.logs.some((l) => l.includes('bad policy'))).toBe(true);
  });
});

describe('ControlTokens', () => {
  it.each([
    ['in memory', false],
    ['in a store', true],
  ])('redeems a token once, for the grant it was issued with, and refuses it after its lifetime (%s)', async (_where, withStore) => {
    let now = 1_000_000;
    const clock = () => now;
    const tokens = new ControlTokens(60, clock, withStore ? new MemoryStore(clock) : null);
    const a = await tokens.issue({ playerId: 'p1', personaId: 'blacksmith' });
    expect(a.value).toMatch(/^ek_npcv_[A-Za-z0-9_-]{32}$/);
    expect(a.expiresAt).toBe(1060);
    expect(await tokens.redeem(a.value)).toEqual({ ok: true, grant: { playerId: 'p1', personaId: 'blacksmith' } });
    expect(await tokens.redeem(a.value)).toEqual({ ok: false, reason: 'unknown' });
    const b = await tokens.issue({ playerId: 'p2', personaId: 'guard' });
    now += 60_000;
    expect(await tokens.redeem(b.value)).toEqual({ ok: false, reason: 'expired' });
    expect(await tokens.redeem(undefined)).toEqual({ ok: false, reason: 'missing' });
    expect(await tokens.redeem('ek_npcv_made-up')).toEqual({ ok: false, reason: 'unknown' });
  });

  it('reads the token from a bearer header or a browser WebSocket subprotocol', () => {
    expect(presentedToken('Bearer ek_npcv_x')).toBe('ek_npcv_x');
    expect(presentedToken(undefined, ['realtime', 'openai-insecure-api-key.ek_npcv_y'])).toBe('ek_npcv_y');
    expect(presentedToken(undefined, ['realtime'])).toBeUndefined();
  });
});
