import { MintError, NpcSessionError, NpcVoiceError, messageOf } from '../errors.js';
import { DEFAULT_BACKOFF, backoffDelayMs, type BackoffOptions } from './backoff.js';

/** Where a {@link Connection} is. */
export type ConnectionStatus = 'idle' | 'connecting' | 'live' | 'backoff' | 'failed' | 'closed';

type State<L> =
  | { status: 'idle' }
  | { status: 'connecting'; attempt: number }
  | { status: 'live'; attempt: number; live: L }
  | { status: 'backoff'; attempt: number; timer: ReturnType<typeof setTimeout> }
  | { status: 'failed'; untilMs: number }
  | { status: 'closed' };

/** What a {@link Connection} drives: how to open and release one connection, and whom to tell. */
export interface ConnectionHooks<L> {
  /**
   * Opens one connection. `current()` turns false as soon as this attempt is stale (closed, dropped, or replaced by
   * a newer attempt): check it after every await. When it throws, it releases what it built itself.
   */
  open(current: () => boolean): Promise<L>;
  /** Releases a connection: a stale one, or the live one on close, destroy or drop. */
  dispose(live: L): void;
  /** The connection is up (`status` is already `live`, and {@link changed} was told). */
  up(live: L): void;
  /** `status` changed. */
  changed(): void;
  /** An attempt failed, or the retries ran out. */
  error(error: NpcVoiceError): void;
}

/** Options of a {@link Connection}. */
export interface ConnectionOptions {
  backoff?: BackoffOptions;
  random?: () => number;
  now?: () => number;
}

/**
 * The life of one NPC's connection: idle → connecting → live, back off and retry after a failure or an unexpected
 * drop, give up after `backoff.maxAttempts` (then `open()` waits out a cool-down unless forced), closed for good.
 * Every attempt carries a token, and anything that ends or replaces it bumps the token, so the awaits of a stale
 * attempt come back to a no-op (and what it built is released).
 *
 * @example
 * const connection = new Connection({ open: async (current) => dial(current), dispose: (c) => c.close(), … });
 * connection.open();     // connecting
 * connection.dropped(c); // backoff, then connecting again
 */
export class Connection<L> {
  private state: State<L> = { status: 'idle' };
  private attemptSeq = 0;
  private retries = 0;
  private readonly backoff: BackoffOptions;
  private readonly now: () => number;

  constructor(
    private readonly hooks: ConnectionHooks<L>,
    private readonly options: ConnectionOptions = {},
  ) {
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.now = options.now ?? Date.now;
  }

  get status(): ConnectionStatus {
    return this.state.status;
  }

  /** The open connection while `live`. */
  get live(): L | null {
    return this.state.status === 'live' ? this.state.live : null;
  }

  /** Whether a connection is open, being opened, or waiting to retry. */
  get active(): boolean {
    const s = this.state.status;
    return s === 'connecting' || s === 'live' || s === 'backoff';
  }

  /**
   * Connects unless connected or connecting. Waiting to retry, or after the retries ran out (until the cool-down
   * ends), only `force` (the player explicitly talks to the NPC) connects now.
   */
  open(force = false): void {
    const s = this.state;
    if (s.status === 'closed' || s.status === 'connecting' || s.status === 'live') return;
    if (s.status === 'failed' && !force && this.now() < s.untilMs) return;
    if (s.status === 'backoff') {
      if (!force) return;
      clearTimeout(s.timer);
    }
    this.retries = 0;
    void this.attempt();
  }

  /** Ends the connection on purpose; `open()` may connect again. Idempotent. */
  close(): void {
    if (this.state.status === 'closed') return;
    this.end({ status: 'idle' });
  }

  /** Ends the connection for good. Idempotent. */
  destroy(): void {
    if (this.state.status === 'closed') return;
    this.end({ status: 'closed' });
  }

  /** `live` dropped unexpectedly: release it and reconnect with backoff. False when it is not the live connection. */
  dropped(live: L): boolean {
    const s = this.state;
    if (s.status !== 'live' || s.live !== live) return false;
    this.release();
    this.retryLater(null);
    return true;
  }

  private async attempt(): Promise<void> {
    const attempt = ++this.attemptSeq;
    this.state = { status: 'connecting', attempt };
    this.hooks.changed();
    const current = () => this.isCurrent(attempt);
    let live: L;
    try {
      live = await this.hooks.open(current);
    } catch (err) {
      if (!current()) return;
      const error = err instanceof NpcVoiceError ? err : new NpcSessionError('connect_failed', `could not connect: ${messageOf(err)}`, { cause: err });
      this.hooks.error(error);
      this.retryLater(error instanceof MintError ? error.retryAfterMs : null);
      return;
    }
    if (!current()) {
      this.hooks.dispose(live);
      return;
    }
    this.state = { status: 'live', attempt, live };
    this.retries = 0;
    this.hooks.changed();
    this.hooks.up(live);
  }

  private retryLater(retryAfterMs: number | null): void {
    this.retries++;
    if (this.retries > this.backoff.maxAttempts) {
      this.state = { status: 'failed', untilMs: this.now() + this.backoff.maxMs };
      this.hooks.error(new NpcSessionError('retries_exhausted', `gave up after ${this.backoff.maxAttempts} attempts to connect`));
      this.hooks.changed();
      return;
    }
    const delay = backoffDelayMs(this.retries, this.backoff, retryAfterMs, this.options.random);
    const attempt = ++this.attemptSeq;
    const timer = setTimeout(() => {
      if (this.isCurrent(attempt)) void this.attempt();
    }, delay);
    this.state = { status: 'backoff', attempt, timer };
    this.hooks.changed();
  }

  private end(next: State<L>): void {
    this.release();
    this.state = next;
    this.hooks.changed();
  }

  /** Makes any attempt in flight stale, stops a pending retry, and releases the live connection. */
  private release(): void {
    const s = this.state;
    this.attemptSeq++;
    if (s.status === 'backoff') clearTimeout(s.timer);
    if (s.status === 'live') this.hooks.dispose(s.live);
  }

  private isCurrent(attempt: number): boolean {
    const s = this.state;
    return (s.status === 'connecting' || s.status === 'backoff' || s.status === 'live') && s.attempt === attempt && this.attemptSeq === attempt;
  }
}
