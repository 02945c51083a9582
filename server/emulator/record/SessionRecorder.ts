import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SAMPLE_RATE_HZ } from '../speech/types.js';
import { CASSETTE_EXTENSION, CASSETTE_VERSION, type CassetteHeader } from './cassette.js';
import { SessionRecording } from './SessionRecording.js';

/** What a transport knows about a session when it starts recording it. */
export interface RecordedSession {
  transport: CassetteHeader['transport'];
  model: string;
  personaId: string | undefined;
  session: Record<string, unknown> | undefined;
  /** The key the session was opened with (redacted from every line). */
  key?: string;
}

/**
 * Starts one cassette per session in a directory (`NPC_VOICE_RECORD`). Files are named by start time, persona and a
 * sequence number (`2026-12-04T14-55-01.123Z-blacksmith-0001.jsonl`), so sorting them by name sorts them by start,
 * which is the order `NPC_VOICE_REPLAY` serves them in.
 */
export class SessionRecorder {
  private sequence = 0;

  private constructor(
    readonly dir: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Creates the directory when missing. */
  static async create(dir: string, log: (line: string) => void = () => {}): Promise<SessionRecorder> {
    await mkdir(dir, { recursive: true });
    return new SessionRecorder(path.resolve(dir), log);
  }

  /** Opens the cassette of a session that starts now. */
  start(session: RecordedSession): SessionRecording {
    const startedAt = new Date();
    const persona = (session.personaId ?? 'session').replace(/[^A-Za-z0-9_-]/g, '_');
    const base = `${startedAt.toISOString().replace(/:/g, '-')}-${persona}-${String(++this.sequence).padStart(4, '0')}`;
    const header: CassetteHeader = {
      cassette: CASSETTE_VERSION,
      model: session.model,
      personaId: session.personaId ?? null,
      transport: session.transport,
      startedAt: startedAt.toISOString(),
      session: session.session ?? null,
      ...(session.transport === 'webrtc'
        ? { audio: { sampleRateHz: SAMPLE_RATE_HZ, input: `${base}.input.wav`, output: `${base}.output.wav` } }
        : {}),
    };
    const file = path.join(this.dir, `${base}${CASSETTE_EXTENSION}`);
    this.log(`emulator: recording session to ${file}`);
    return SessionRecording.open({ file, header, secrets: session.key ? [session.key] : [], log: this.log });
  }
}
