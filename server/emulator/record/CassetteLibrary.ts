import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../../config.js';
import { PROTOCOL_ERRORS, type ProtocolError } from '../realtime/protocolErrors.js';
import { CASSETTE_EXTENSION, CassetteError, readCassette, type Cassette } from './cassette.js';

/** The cassette a replayed session gets, or why it gets none (an HTTP status and the OpenAI error). */
export type CassettePick =
  | { ok: true; name: string; cassette: Cassette }
  | { ok: false; status: 404 | 500; error: ProtocolError };

/**
 * The cassettes of a replay directory (`NPC_VOICE_REPLAY`). A session picks one by name (`?cassette=<name>`, with or
 * without `.jsonl`) or gets the next one by file name, starting again at the first after the last. The directory is
 * listed and the file read at every pick, so cassettes recorded while the server runs are served too.
 */
export class CassetteLibrary {
  private next = 0;

  private constructor(readonly dir: string) {}

  /**
   * @throws ConfigError naming `NPC_VOICE_REPLAY` when `dir` is not a directory.
   */
  static async open(dir: string): Promise<CassetteLibrary> {
    const resolved = path.resolve(dir);
    const info = await stat(resolved).catch(() => null);
    if (!info?.isDirectory()) throw new ConfigError(`NPC_VOICE_REPLAY: ${resolved} is not a directory (set it to a directory of recorded cassettes)`);
    return new CassetteLibrary(resolved);
  }

  /** Cassette names in the directory, sorted (the order sessions get them in). */
  async names(): Promise<string[]> {
    const files = await readdir(this.dir);
    return files.filter((file) => file.endsWith(CASSETTE_EXTENSION)).sort();
  }

  /** The cassette named `requested`, or the next one when null. Never throws. */
  async pick(requested: string | null): Promise<CassettePick> {
    let names: string[];
    try {
      names = await this.names();
    } catch (error) {
      return { ok: false, status: 500, error: PROTOCOL_ERRORS.unreadableCassette(`the replay directory cannot be listed (${(error as Error).message})`) };
    }
    let name: string | undefined;
    if (requested === null) {
      name = names[this.next % Math.max(names.length, 1)];
      if (name === undefined) return { ok: false, status: 404, error: PROTOCOL_ERRORS.noCassettes() };
      this.next++;
    } else {
      const file = requested.endsWith(CASSETTE_EXTENSION) ? requested : `${requested}${CASSETTE_EXTENSION}`;
      // Only a plain name of this directory: `../x` or an absolute path must not read other files.
      name = names.find((candidate) => candidate === file);
      if (name === undefined) return { ok: false, status: 404, error: PROTOCOL_ERRORS.cassetteNotFound(requested) };
    }
    try {
      return { ok: true, name, cassette: await readCassette(path.join(this.dir, name)) };
    } catch (error) {
      const detail = error instanceof CassetteError ? error.message.replace(this.dir + path.sep, '') : `${name}: ${(error as Error).message}`;
      return { ok: false, status: 500, error: PROTOCOL_ERRORS.unreadableCassette(detail) };
    }
  }
}
