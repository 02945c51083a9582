import { entryType, type Cassette } from './cassette.js';

/** A recorded server event, sent back as it was recorded. */
export type RecordedEvent = Record<string, unknown>;

/** A client event that is not the one recorded next. */
export interface ReplayMismatch {
  /** Type of the client event the recording has next; null when it has no more. */
  expected: string | null;
  received: string;
  /** Which client event of the recording was expected (1 = the first). */
  clientEventNumber: number;
}

/** What a replay answers to one client event: the server events to send, and the mismatch when it did not match. */
export interface ReplayAnswer {
  events: RecordedEvent[];
  mismatch: ReplayMismatch | null;
}

/**
 * Plays a cassette back, driven by the client: the server events recorded before the first client event are sent
 * when the session opens, and each client event that matches the next recorded one (by type) releases the server
 * events recorded after it, up to the next client event. No clock is involved, so the same cassette and the same
 * client give the same server events in the same order on any machine. A client event that does not match is
 * answered with a mismatch and consumes nothing: the client may still send the expected one.
 *
 * @example
 * const replay = new CassetteReplay(await readCassette(file));
 * send(replay.start());
 * const answer = replay.receive('session.update'); // { events: [session.updated], mismatch: null }
 */
export class CassetteReplay {
  private cursor = 0;
  private clientEventsSeen = 0;
  private started = false;

  constructor(readonly cassette: Cassette) {}

  /** The server events recorded before the first client event (`session.created`); empty after the first call. */
  start(): RecordedEvent[] {
    if (this.started) return [];
    this.started = true;
    return this.serverEventsUntilClient();
  }

  /** The type of the client event the recording has next, or null when it has none. */
  get expectedType(): string | null {
    const next = this.cassette.entries[this.cursor];
    return next ? entryType(next) : null;
  }

  /** Matches one client event (by its type) against the recording. */
  receive(type: string): ReplayAnswer {
    // A caller that skipped `start` still gets the opening events, first.
    const pending = this.start();
    const expected = this.expectedType;
    if (expected !== type) {
      return { events: pending, mismatch: { expected, received: type, clientEventNumber: this.clientEventsSeen + 1 } };
    }
    this.cursor++;
    this.clientEventsSeen++;
    return { events: [...pending, ...this.serverEventsUntilClient()], mismatch: null };
  }

  private serverEventsUntilClient(): RecordedEvent[] {
    const events: RecordedEvent[] = [];
    const { entries } = this.cassette;
    while (this.cursor < entries.length) {
      const entry = entries[this.cursor] as (typeof entries)[number];
      if (entry.direction === 'client') break;
      if (entry.event) events.push(entry.event);
      this.cursor++;
    }
    return events;
  }
}
