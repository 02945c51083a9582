import { createWriteStream, type WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import wavefile from 'wavefile';
import { redactSecrets } from '../../redact.js';
import { toEntryPayload, type CassetteEntry, type CassetteHeader } from './cassette.js';

/** Most media audio kept per direction of a WebRTC call (10 minutes of PCM16 24 kHz mono, 28.8 MB). */
export const MAX_RECORDED_AUDIO_SAMPLES = 24_000 * 600;

/**
 * Removes every credential from a cassette line: the session's own keys, any `ek_…` or `sk-…` key, a bearer token
 * and the value of an `authorization` field. Base64 audio has no `_` or `-`, so it never matches.
 */
export function redactCassetteLine(line: string, secrets: readonly (string | undefined)[] = []): string {
  return redactSecrets(line, secrets)
    .replace(/\bek_[A-Za-z0-9_-]{4,}/g, 'ek_[redacted]')
    .replace(/("authorization"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, '$1"[redacted]"');
}

/** PCM16 mono collected in chunks up to a cap, then written as one WAV file. */
class PcmTrack {
  private readonly chunks: Int16Array[] = [];
  private samples = 0;
  truncated = false;

  push(pcm: Int16Array): void {
    const room = MAX_RECORDED_AUDIO_SAMPLES - this.samples;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = pcm.length > room ? pcm.subarray(0, room) : pcm;
    // The caller's buffer may be reused (a pacer's frame, a sink's data): keep a copy.
    this.chunks.push(Int16Array.from(kept));
    this.samples += kept.length;
  }

  async write(file: string, sampleRateHz: number): Promise<void> {
    const all = new Int16Array(this.samples);
    let offset = 0;
    for (const chunk of this.chunks) {
      all.set(chunk, offset);
      offset += chunk.length;
    }
    const wav = new wavefile.WaveFile();
    wav.fromScratch(1, sampleRateHz, '16', all);
    await writeFile(file, wav.toBuffer());
  }
}

/** Options of {@link SessionRecording.open}. */
export interface SessionRecordingOptions {
  /** Path of the cassette file to create (it must not exist). */
  file: string;
  header: CassetteHeader;
  /** Credentials of this session (its key): never written, whatever event carries them. */
  secrets?: readonly string[];
  log?: (line: string) => void;
}

/**
 * The cassette of one live session: every event either way, with its offset from the session start, appended as a
 * JSON line as it happens (so a crash keeps what came before), credentials redacted; and, for a WebRTC call, the
 * media audio each way, written as WAV files beside the cassette when the session ends. Transport-agnostic: anything
 * that carries a session's events (the emulator's endpoints, a relay) calls {@link client} and {@link server}.
 * Recording never fails the session: a write error is logged once and recording stops.
 */
export class SessionRecording {
  readonly file: string;
  private readonly stream: WriteStream;
  private readonly startedAt = performance.now();
  private readonly secrets: readonly string[];
  private readonly header: CassetteHeader;
  private readonly log: (line: string) => void;
  private readonly input = new PcmTrack();
  private readonly output = new PcmTrack();
  private failed = false;
  private closing: Promise<void> | undefined;

  private constructor(options: SessionRecordingOptions) {
    this.file = options.file;
    this.header = options.header;
    this.secrets = options.secrets ?? [];
    this.log = options.log ?? (() => {});
    this.stream = createWriteStream(options.file, { flags: 'wx' });
    this.stream.on('error', (error) => this.fail(error));
    this.writeLine(options.header);
  }

  /** Creates the cassette file and writes its header line. */
  static open(options: SessionRecordingOptions): SessionRecording {
    return new SessionRecording(options);
  }

  /** Records a client message as the server received it (a JSON text frame, well-formed or not). */
  client(text: string, channel?: 'sideband'): void {
    this.entry({ direction: 'client', ...toEntryPayload(text), ...(channel ? { channel } : {}) });
  }

  /** Records a server event as it was sent. */
  server(event: object): void {
    this.entry({ direction: 'server', event: event as Record<string, unknown> });
  }

  /** Records media audio the session received (a WebRTC call's incoming track, PCM16 mono at the header's rate). */
  inputAudio(pcm: Int16Array): void {
    if (this.header.audio && !this.closing) this.input.push(pcm);
  }

  /** Records media audio the session sent (a WebRTC call's outgoing track, silence included). */
  outputAudio(pcm: Int16Array): void {
    if (this.header.audio && !this.closing) this.output.push(pcm);
  }

  /** Finishes the cassette (and writes the WAV files of a call). Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await new Promise<void>((resolve) => {
        // A stream that failed (the file could not be created, the disk is full) is already torn down.
        if (this.stream.destroyed) return resolve();
        this.stream.once('error', () => resolve());
        this.stream.end(() => resolve());
      });
      const audio = this.header.audio;
      if (!audio || this.failed) return;
      const dir = path.dirname(this.file);
      try {
        await Promise.all([
          this.input.write(path.join(dir, audio.input), audio.sampleRateHz),
          this.output.write(path.join(dir, audio.output), audio.sampleRateHz),
        ]);
      } catch (error) {
        this.fail(error as Error);
      }
      if (this.input.truncated || this.output.truncated) {
        this.log(`emulator: recording ${path.basename(this.file)}: media audio kept to its first ${MAX_RECORDED_AUDIO_SAMPLES / audio.sampleRateHz} s`);
      }
    })();
    return this.closing;
  }

  private entry(entry: Omit<CassetteEntry, 'ms'>): void {
    this.writeLine({ ms: Math.round((performance.now() - this.startedAt) * 10) / 10, ...entry });
  }

  private writeLine(value: object): void {
    if (this.failed || this.closing) return;
    this.stream.write(`${redactCassetteLine(JSON.stringify(value), this.secrets)}\n`);
  }

  private fail(error: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.log(`emulator: recording ${path.basename(this.file)} stopped: ${error.message}`);
  }
}
