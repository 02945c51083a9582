import { watch, type FSWatcher } from 'node:fs';
import { parsePersona } from '../../plugin/shared/parsePersona.js';
import type { Persona } from '../../plugin/shared/personaSchema.js';
import type { LogFn } from '../redact.js';
import { DEFAULT_PERSONA_DIR, loadPersonas, type PersonaMap } from './loadPersonas.js';

/**
 * The personas the server knows, reloaded when a designer saves a file. A bad edit is logged with its file and
 * field and the last good set stays in use, so a typo never takes NPCs offline.
 */
export class PersonaRegistry {
  private current: PersonaMap = new Map();
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;

  private constructor(
    /** The folder the personas come from (`(in memory)` for {@link PersonaRegistry.of}). */
    readonly dir: string,
    private readonly log: LogFn,
    private readonly inMemory = false,
  ) {}

  /**
   * A fixed set of personas given as objects (from a bundler import, a database): validated like files, never
   * reloaded or watched.
   * @throws AggregateError of PersonaError when one is invalid or two share an id.
   */
  static of(personas: readonly unknown[]): PersonaRegistry {
    const registry = new PersonaRegistry('(in memory)', () => {}, true);
    const map = new Map<string, Persona>();
    const errors: Error[] = [];
    personas.forEach((value, index) => {
      const result = parsePersona(value, `personas[${index}]`);
      if (!result.ok) errors.push(result.error);
      else if (map.has(result.persona.id)) errors.push(new Error(`personas[${index}]: duplicate id "${result.persona.id}"`));
      else map.set(result.persona.id, result.persona);
    });
    if (errors.length > 0) throw new AggregateError(errors, `invalid personas:\n${errors.map((e) => `  ${e.message}`).join('\n')}`);
    registry.current = map;
    return registry;
  }

  /**
   * Loads the personas in `dir`.
   * @throws AggregateError of PersonaError when a file is invalid at startup (fail fast: fix it before playing).
   */
  static async load(dir: string = DEFAULT_PERSONA_DIR, log: LogFn = () => {}): Promise<PersonaRegistry> {
    const registry = new PersonaRegistry(dir, log);
    registry.current = await loadPersonas(dir);
    return registry;
  }

  /** The persona with this id, if any. */
  get(id: string): Persona | undefined {
    return this.current.get(id);
  }

  /** All personas by id. */
  all(): PersonaMap {
    return this.current;
  }

  /** Reloads now and logs the ids loaded; keeps the old set and logs the errors if the new one is invalid. */
  async reload(): Promise<boolean> {
    if (this.inMemory) return true;
    try {
      this.current = await loadPersonas(this.dir);
      this.log(`personas reloaded from ${this.dir}: ${[...this.current.keys()].join(', ') || '(none)'}`);
      return true;
    } catch (err) {
      this.log(`personas not reloaded, the previous ones stay in use: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  /** Watches the folder and reloads on change (debounced). */
  watch(): void {
    if (this.watcher || this.inMemory) return;
    this.watcher = watch(this.dir, () => {
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => void this.reload(), 100);
    });
  }

  /** Stops watching. Safe to call twice. */
  close(): void {
    clearTimeout(this.reloadTimer);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
