import type { RealtimeSession, RealtimeSessionEventTypes, RealtimeTransportEventTypes, RealtimeTransportLayer } from '@openai/agents-realtime';

/** An emitter with one event name and listener type (a voice output's `on('speaking', fn)`). */
interface Emitter<N extends string, F> {
  on(event: N, fn: F): unknown;
  off(event: N, fn: F): unknown;
}

/**
 * The listeners one owner added, removed together: each `on` is written once, with its `off` kept here, instead of
 * two mirrored lists that drift apart.
 *
 * @example
 * const subs = new Subscriptions();
 * subs.onSession(session, 'agent_start', onStart);
 * subs.onTransport(transport, 'connection_change', onConnection);
 * subs.clear(); // both removed
 */
export class Subscriptions {
  private offs: Array<() => void> = [];

  /** Adds `fn` for `event` on `emitter` until {@link clear}. */
  on<N extends string, F>(emitter: Emitter<N, F>, event: NoInfer<N>, fn: NoInfer<F>): void {
    emitter.on(event, fn);
    this.offs.push(() => emitter.off(event, fn));
  }

  /**
   * Adds `fn` for the SDK session's `event` until {@link clear} (the SDK declares `on` generically, so the event
   * map is named here and a misspelt event or a wrong listener fails to compile).
   */
  onSession<K extends keyof RealtimeSessionEventTypes & string>(session: RealtimeSession, event: K, fn: (...args: RealtimeSessionEventTypes[K]) => void): void {
    this.on(session as unknown as Emitter<K, typeof fn>, event, fn);
  }

  /** Adds `fn` for the SDK transport's `event` until {@link clear}. */
  onTransport<K extends keyof RealtimeTransportEventTypes & string>(
    transport: RealtimeTransportLayer,
    event: K,
    fn: (...args: RealtimeTransportEventTypes[K]) => void,
  ): void {
    this.on(transport as unknown as Emitter<K, typeof fn>, event, fn);
  }

  /** Removes every listener added since the last clear, newest first. Idempotent. */
  clear(): void {
    const offs = this.offs;
    this.offs = [];
    for (let i = offs.length - 1; i >= 0; i--) offs[i]?.();
  }
}
