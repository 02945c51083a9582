/**
 * A small typed event emitter with Phaser's EventEmitter calling conventions (`on(event, fn, context)`,
 * `once`, `off(event, fn, context)`, `emit`). The plugin's logic lives in Phaser-free modules that run in Node,
 * so they cannot depend on Phaser's emitter; listener errors are isolated so one bad listener cannot break the
 * emitting code (which may be a socket callback).
 */

/**
 * The constraint on an event map: every event's arguments are a tuple. Written over the map's own keys (not as an
 * index signature) so that a map such as `NpcVoiceEventMap` lists its events exactly: an event name it does not
 * list, or listener arguments that do not match its tuple, fail to compile.
 */
export type EventMap<M> = { [K in keyof M]: readonly unknown[] };

interface Listener {
  fn: unknown;
  context: unknown;
  once: boolean;
}

/** Typed emitter; `onListenerError` receives exceptions thrown by listeners. */
export class TypedEmitter<M extends EventMap<M>> {
  private readonly listeners = new Map<keyof M, Listener[]>();

  constructor(private readonly onListenerError: (err: unknown, event: keyof M) => void = () => {}) {}

  /** Adds a listener. */
  on<K extends keyof M>(event: K, fn: (...args: M[K]) => void, context?: unknown): this {
    return this.add(event, fn, context, false);
  }

  /** Adds a listener that is removed after its first call. */
  once<K extends keyof M>(event: K, fn: (...args: M[K]) => void, context?: unknown): this {
    return this.add(event, fn, context, true);
  }

  /** Removes a listener (matching function and, when given, context); without `fn`, removes all for the event. */
  off<K extends keyof M>(event: K, fn?: (...args: M[K]) => void, context?: unknown): this {
    const list = this.listeners.get(event);
    if (!list) return this;
    if (!fn) {
      this.listeners.delete(event);
      return this;
    }
    const kept = list.filter((l) => !(l.fn === fn && (context === undefined || l.context === context)));
    if (kept.length > 0) this.listeners.set(event, kept);
    else this.listeners.delete(event);
    return this;
  }

  /** Calls the listeners of `event`; returns whether there were any. */
  emit<K extends keyof M>(event: K, ...args: M[K]): boolean {
    const list = this.listeners.get(event);
    if (!list || list.length === 0) return false;
    // Snapshot: listeners may add or remove listeners while we iterate.
    for (const l of [...list]) {
      if (l.once) this.removeListener(event, l);
      try {
        Reflect.apply(l.fn as (...a: readonly unknown[]) => void, l.context, args);
      } catch (err) {
        this.onListenerError(err, event);
      }
    }
    return true;
  }

  /** Number of listeners for `event`. */
  listenerCount(event: keyof M): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Removes every listener. */
  removeAllListeners(): this {
    this.listeners.clear();
    return this;
  }

  private removeListener(event: keyof M, listener: Listener): void {
    const list = this.listeners.get(event);
    if (!list) return;
    const kept = list.filter((l) => l !== listener);
    if (kept.length > 0) this.listeners.set(event, kept);
    else this.listeners.delete(event);
  }

  private add<K extends keyof M>(event: K, fn: (...args: M[K]) => void, context: unknown, once: boolean): this {
    const list = this.listeners.get(event) ?? [];
    list.push({ fn, context, once });
    this.listeners.set(event, list);
    return this;
  }
}
