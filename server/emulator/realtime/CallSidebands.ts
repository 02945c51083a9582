import type { ServerEvent } from '../../../plugin/shared/protocol/serverEvents.js';

/** A sideband socket as a call sees it. */
interface Watcher {
  send(text: string): void;
  onClosed(): void;
}

/** What a call gives a sideband that attaches to it (see {@link CallSidebands.attach}). */
export interface SidebandHandle {
  /** Applies one client event from the sideband to the call's session. */
  receive(text: string): void;
  /** The sideband went away; the call goes on. */
  detach(): void;
}

/** A live call a sideband (`GET /v1/realtime?call_id=…`) may attach to: a WebRTC or a SIP call. */
export interface SidebandTarget {
  readonly isClosed: boolean;
  attachSideband(send: (text: string) => void, onClosed: () => void): SidebandHandle;
}

/**
 * The sidebands of one call (the developer's server watching and steering it): every server event of the call goes
 * to each of them, their client events go to the call's session engine, and an error caused by a sideband's event
 * goes back to that sideband only, as the service does.
 */
export class CallSidebands {
  private readonly watchers = new Set<Watcher>();
  /** The sideband whose event the engine is handling now. */
  private replyingTo: Watcher | null = null;
  private closed = false;

  /** `receive` hands a client event to the call's engine. */
  constructor(private readonly receive: (text: string) => void) {}

  /** Attaches a sideband; on a call that has ended, `onClosed` runs at once. */
  attach(send: (text: string) => void, onClosed: () => void): SidebandHandle {
    if (this.closed) {
      onClosed();
      return { receive: () => {}, detach: () => {} };
    }
    const watcher = { send, onClosed };
    this.watchers.add(watcher);
    return {
      receive: (text) => {
        if (this.closed || !this.watchers.has(watcher)) return;
        this.replyingTo = watcher;
        try {
          this.receive(text);
        } finally {
          this.replyingTo = null;
        }
      },
      detach: () => {
        this.watchers.delete(watcher);
      },
    };
  }

  /**
   * Delivers one server event of the call (already JSON in `text`): an error answering a sideband's event goes to
   * that sideband alone and true is returned (the call's own channel must not get it); otherwise every sideband gets
   * it and false is returned.
   */
  deliver(event: ServerEvent, text: string): boolean {
    if (event.type === 'error' && this.replyingTo) {
      this.replyingTo.send(text);
      return true;
    }
    for (const watcher of this.watchers) watcher.send(text);
    return false;
  }

  /** The call ended: tells every sideband (their sockets close) and refuses new ones. Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const watchers = [...this.watchers];
    this.watchers.clear();
    for (const watcher of watchers) watcher.onClosed();
  }
}
