import { PROTOCOL_ERRORS, errorFrame } from '../realtime/protocolErrors.js';
import type { Cassette } from './cassette.js';
import { entryType, toEntryPayload } from './cassette.js';
import { CassetteReplay, type RecordedEvent } from './CassetteReplay.js';

/** Options of {@link ReplaySession}. */
export interface ReplaySessionOptions {
  cassette: Cassette;
  /** The cassette's file name, for error messages. */
  name: string;
  /** Delivers one server event to the client (a recorded one, or an `error` of the replay). */
  send: (event: { type?: unknown }) => void;
}

/**
 * A session served from a cassette (`NPC_VOICE_REPLAY`) in place of a session engine, with the same surface to the
 * transport: recorded server events go out as recorded, each batch in answer to the client event that preceded it in
 * the recording. A client event the recording does not have next gets an `error` event (`replay_mismatch`, naming
 * the expected and the received type) and the session stays open.
 */
export class ReplaySession {
  /** A replay has no response being synthesized: an idle socket is idle. */
  readonly responding = false;
  private readonly replay: CassetteReplay;
  private closed = false;

  constructor(private readonly options: ReplaySessionOptions) {
    this.replay = new CassetteReplay(options.cassette);
  }

  /** Sends the events recorded before the client's first (`session.created`). */
  start(): void {
    this.sendAll(this.replay.start());
  }

  /** Answers one client message (a JSON text frame) from the recording; never throws. */
  receive(text: string): void {
    if (this.closed) return;
    const received = toEntryPayload(text);
    const answer = this.replay.receive(entryType(received));
    this.sendAll(answer.events);
    const { mismatch } = answer;
    if (!mismatch) return;
    const eventId = received.event?.['event_id'];
    const error = PROTOCOL_ERRORS.replayMismatch(this.options.name, mismatch.expected, mismatch.received, mismatch.clientEventNumber);
    this.options.send(errorFrame(error, typeof eventId === 'string' ? eventId : null));
  }

  /** Nothing more is sent. Safe to call twice. */
  close(): void {
    this.closed = true;
  }

  private sendAll(events: RecordedEvent[]): void {
    for (const event of events) {
      if (this.closed) return;
      this.options.send(event);
    }
  }
}
