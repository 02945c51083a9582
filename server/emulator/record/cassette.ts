import { readFile } from 'node:fs/promises';
import { z } from 'zod';

/** Version of the cassette format, in every header line (`"cassette": 1`). */
export const CASSETTE_VERSION = 1;
/** File extension of a cassette: JSON Lines, one header line then one line per event. */
export const CASSETTE_EXTENSION = '.jsonl';

/** Which side sent an event: the client (game, SDK) or the server (emulator, OpenAI). */
export type CassetteDirection = 'client' | 'server';

const HeaderSchema = z.strictObject({
  cassette: z.literal(CASSETTE_VERSION, { error: `cassette must be ${CASSETTE_VERSION} (the format version)` }),
  model: z.string({ error: 'model must be a string' }),
  personaId: z.string().nullable(),
  transport: z.enum(['websocket', 'webrtc'], { error: 'transport must be "websocket" or "webrtc"' }),
  /** ISO 8601 wall-clock time of the session start; event offsets count from it. */
  startedAt: z.iso.datetime({ error: 'startedAt must be an ISO 8601 date-time' }),
  /** The session config the session started from (the key's), or null. */
  session: z.record(z.string(), z.unknown()).nullable(),
  /** WAV files beside the cassette with a WebRTC call's media audio (PCM16 mono, from the call's start). */
  audio: z
    .strictObject({
      sampleRateHz: z.number().int().positive(),
      input: z.string().min(1),
      output: z.string().min(1),
    })
    .optional(),
});

const EntrySchema = z.strictObject({
  /** Milliseconds since the session start. */
  ms: z.number({ error: 'ms must be a number' }).nonnegative('ms must not be negative'),
  direction: z.enum(['client', 'server'], { error: 'direction must be "client" or "server"' }),
  /** The event as sent, when it was a JSON object (every server event; every well-formed client event). */
  event: z.record(z.string(), z.unknown()).optional(),
  /** The message as sent, when it was not a JSON object (a malformed client message). */
  text: z.string().optional(),
  /** The client event came over a WebRTC call's sideband (`?call_id=`) rather than its data channel. */
  channel: z.literal('sideband').optional(),
});

/** The first line of a cassette: what session it recorded. */
export type CassetteHeader = z.infer<typeof HeaderSchema>;
/** One recorded event. */
export type CassetteEntry = z.infer<typeof EntrySchema>;

/** A recorded Realtime session: its header and its events in the order the server saw them. */
export interface Cassette {
  header: CassetteHeader;
  entries: CassetteEntry[];
}

/** Thrown for a cassette that cannot be read: names the file, the line and the field. */
export class CassetteError extends Error {
  readonly code = 'invalid_cassette';
  override readonly name = 'CassetteError';
}

/**
 * The type a replay matches a client entry by: the event's `type`, or `(not an event)` for a message that was not a
 * JSON object with a string `type`.
 */
export function entryType(entry: Pick<CassetteEntry, 'event' | 'text'>): string {
  const type = entry.event?.['type'];
  return typeof type === 'string' ? type : NOT_AN_EVENT;
}

/** The type reported for a message that is not a JSON object with a string `type`. */
export const NOT_AN_EVENT = '(not an event)';

/** How a client message is kept in a cassette: a JSON object as `event`, anything else as `text`. */
export function toEntryPayload(text: string): Pick<CassetteEntry, 'event' | 'text'> {
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return { event: value as Record<string, unknown> };
  } catch {
    // Kept as text below: a replay must answer a malformed message the way the recording did.
  }
  return { text };
}

function issueText(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.length ? `${issue.path.join('.')}: ` : ''}${issue.message}`).join('; ');
}

/**
 * Parses the text of a cassette (`source` names it in errors).
 * @throws CassetteError naming the line and the field that is wrong.
 */
export function parseCassette(text: string, source = 'cassette'): Cassette {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new CassetteError(`${source}: empty file (expected a header line)`);
  const parsedLine = (index: number): unknown => {
    try {
      return JSON.parse(lines[index] as string);
    } catch (error) {
      throw new CassetteError(`${source}:${index + 1}: not JSON (${(error as Error).message})`);
    }
  };
  const header = HeaderSchema.safeParse(parsedLine(0));
  if (!header.success) throw new CassetteError(`${source}:1: bad header: ${issueText(header.error.issues)}`);
  const entries: CassetteEntry[] = [];
  for (let i = 1; i < lines.length; i++) {
    const entry = EntrySchema.safeParse(parsedLine(i));
    if (!entry.success) throw new CassetteError(`${source}:${i + 1}: ${issueText(entry.error.issues)}`);
    if ((entry.data.event === undefined) === (entry.data.text === undefined)) {
      throw new CassetteError(`${source}:${i + 1}: an entry has exactly one of "event" and "text"`);
    }
    entries.push(entry.data);
  }
  return { header: header.data, entries };
}

/**
 * Reads a cassette file that `NPC_VOICE_RECORD` wrote, for a game's own tests: assert on the events a session
 * produced, or check what a replay will answer.
 * @throws CassetteError when the file is not a cassette (naming the line and field); the fs error when it cannot be read.
 * @example
 * const cassette = await readCassette('cassettes/blacksmith-greeting.jsonl');
 * const spoken = serverEvents(cassette).filter((e) => e.type === 'response.output_audio_transcript.done');
 */
export async function readCassette(path: string): Promise<Cassette> {
  return parseCassette(await readFile(path, 'utf8'), path);
}

/** A cassette's events from one side, in order (a client's malformed messages are left out). */
export function cassetteEvents(cassette: Cassette, direction: CassetteDirection): Array<Record<string, unknown> & { type: string }> {
  return cassette.entries
    .filter((entry) => entry.direction === direction && entry.event !== undefined && entryType(entry) !== NOT_AN_EVENT)
    .map((entry) => entry.event as Record<string, unknown> & { type: string });
}

/** A cassette's server events, in the order they were sent. */
export function serverEvents(cassette: Cassette): Array<Record<string, unknown> & { type: string }> {
  return cassetteEvents(cassette, 'server');
}

/** A cassette's client events, in the order they were received. */
export function clientEvents(cassette: Cassette): Array<Record<string, unknown> & { type: string }> {
  return cassetteEvents(cassette, 'client');
}
