import { describe, expect, it } from 'vitest';
import type { Cassette, CassetteEntry } from '../../../server/emulator/record/cassette.js';
import { CassetteReplay } from '../../../server/emulator/record/CassetteReplay.js';
import { ReplaySession } from '../../../server/emulator/record/ReplaySession.js';

const server = (type: string, ms = 0): CassetteEntry => ({ ms, direction: 'server', event: { type, event_id: `e_${type}` } });
const client = (type: string, ms = 0): CassetteEntry => ({ ms, direction: 'client', event: { type } });

function cassette(...entries: CassetteEntry[]): Cassette {
  return {
    header: { cassette: 1, model: 'gpt-realtime', personaId: null, transport: 'websocket', startedAt: '2026-12-04T00:00:00.000Z', session: null },
    entries,
  };
}

/** A short recorded turn: the server speaks first, the client configures, asks, and the answer streams after it. */
const TURN = cassette(
  server('session.created'),
  client('session.update', 5),
  server('session.updated', 6),
  client('conversation.item.create', 10),
  client('response.create', 11),
  server('conversation.item.added', 12),
  server('response.created', 13),
  server('response.done', 900),
);

const types = (events: Array<Record<string, unknown>>): unknown[] => events.map((e) => e.type);

describe('CassetteReplay (the matcher)', () => {
  it('sends what preceded the first client event on start, then each batch in answer to its client event', () => {
    const replay = new CassetteReplay(TURN);
    expect(types(replay.start())).toEqual(['session.created']);
    expect(replay.start()).toEqual([]);
    expect(replay.expectedType).toBe('session.update');
    expect(replay.receive('session.update')).toEqual({ events: [{ type: 'session.updated', event_id: 'e_session.updated' }], mismatch: null });
    // No server event was recorded between the two: the first releases nothing.
    expect(replay.receive('conversation.item.create')).toEqual({ events: [], mismatch: null });
    expect(types(replay.receive('response.create').events)).toEqual(['conversation.item.added', 'response.created', 'response.done']);
    expect(replay.expectedType).toBeNull();
  });

  it('answers a client event of another type with the expected and received types, and consumes nothing', () => {
    const replay = new CassetteReplay(TURN);
    replay.start();
    replay.receive('session.update');
    expect(replay.receive('response.create')).toEqual({
      events: [],
      mismatch: { expected: 'conversation.item.create', received: 'response.create', clientEventNumber: 2 },
    });
    expect(replay.receive('conversation.item.create').mismatch).toBeNull();
    replay.receive('response.create');
    expect(replay.receive('response.cancel')).toEqual({ events: [], mismatch: { expected: null, received: 'response.cancel', clientEventNumber: 4 } });
  });

  it('matches a recorded malformed message by the placeholder type, and releases the opening events to an early receive', () => {
    const recorded = cassette(server('session.created'), { ms: 1, direction: 'client', text: '{oops' }, server('error'));
    const replay = new CassetteReplay(recorded);
    // A caller that never called start still gets session.created first.
    expect(replay.receive('(not an event)')).toEqual({
      events: [
        { type: 'session.created', event_id: 'e_session.created' },
        { type: 'error', event_id: 'e_error' },
      ],
      mismatch: null,
    });
  });

  it('gives the same answers, in the same order, every time the same client plays the same cassette', () => {
    const play = (): string => {
      const replay = new CassetteReplay(TURN);
      const sent = [replay.start(), ...['session.update', 'conversation.item.create', 'response.create'].map((t) => replay.receive(t).events)];
      return JSON.stringify(sent);
    };
    expect(play()).toBe(play());
  });
});

describe('ReplaySession (a session served from a cassette)', () => {
  it('answers JSON frames from the recording and a mismatch with an error linked to the client event', () => {
    const sent: Array<Record<string, unknown>> = [];
    const session = new ReplaySession({ cassette: TURN, name: 'turn.jsonl', send: (event) => sent.push(event as Record<string, unknown>) });
    session.start();
    session.receive(JSON.stringify({ type: 'response.create', event_id: 'evt_1' }));
    session.receive(JSON.stringify({ type: 'session.update' }));
    expect(types(sent)).toEqual(['session.created', 'error', 'session.updated']);
    expect(sent[1]).toMatchObject({
      event_id: expect.stringMatching(/^event_/),
      error: {
        type: 'invalid_request_error',
        code: 'replay_mismatch',
        param: 'type',
        event_id: 'evt_1',
        message: "Replay of cassette 'turn.jsonl': expected client event 1 of type 'session.update', received 'response.create'.",
      },
    });
    session.receive('not json');
    expect(sent[3]).toMatchObject({ error: { message: "Replay of cassette 'turn.jsonl': expected client event 2 of type 'conversation.item.create', received '(not an event)'.", event_id: null } });
    session.close();
    session.receive(JSON.stringify({ type: 'conversation.item.create' }));
    expect(sent).toHaveLength(4);
  });
});
