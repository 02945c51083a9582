import { randomBytes } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import type { LogFn } from '../redact.js';
import { ControlledSessionBase, type ControlClientEvent, type ObservedServerEvent, type SessionIdentity } from './ControlledSession.js';

/** Most bytes queued towards one side before the session is closed: a side that stops reading must not fill memory. */
const MAX_QUEUED_BYTES = 16 * 1024 * 1024;

/** Close codes an endpoint may send (1005/1006/1015 only describe what happened; 1004 is reserved). */
function sendableCode(code: number): number {
  return code === 1000 || code === 1001 || code === 1008 || code === 1011 || (code >= 3000 && code <= 4999) ? code : 1011;
}

function parseEvent(data: string): (Record<string, unknown> & { type: string }) | undefined {
  try {
    const event: unknown = JSON.parse(data);
    if (typeof event === 'object' && event !== null && typeof (event as { type?: unknown }).type === 'string') {
      return event as Record<string, unknown> & { type: string };
    }
  } catch {
    // Not JSON: passed on as is, for upstream to answer with its own `error` event.
  }
  return undefined;
}

/**
 * A {@link ControlledSession} over the WebSocket relay: the player's browser socket on one side, the upstream Realtime
 * socket (OpenAI or the emulator) on the other. Every server event is seen, then passed to the browser; every client
 * event the browser sends is shown to the policies first and goes upstream unless one drops it. Either side closing
 * closes the other (a dropped upstream reaches the browser as a close it reconnects after).
 */
export class RelaySession extends ControlledSessionBase {
  constructor(
    private readonly browser: WebSocket,
    private readonly upstream: WebSocket,
    identity: Omit<SessionIdentity, 'sessionId' | 'channel'>,
    log: LogFn,
    /** Frames upstream sent before the browser's socket opened, passed on first. */
    early: readonly [RawData, boolean][] = [],
  ) {
    super({ ...identity, sessionId: `relay_${randomBytes(12).toString('hex')}`, channel: 'relay' }, log);
    browser.on('message', (data, isBinary) => this.fromBrowser(data, isBinary));
    // Passed on after the constructor returns, so the hub's policies see `session.created` too.
    queueMicrotask(() => {
      for (const [data, isBinary] of early) this.fromUpstream(data, isBinary);
      upstream.on('message', (data, isBinary) => this.fromUpstream(data, isBinary));
    });
    browser.on('error', (err) => this.log(`control: relay ${this.sessionId} browser socket: ${err.message}`));
    upstream.on('error', (err) => this.log(`control: relay ${this.sessionId} upstream socket: ${err.message}`));
    browser.on('close', (code) => {
      if (upstream.readyState === WebSocket.OPEN || upstream.readyState === WebSocket.CONNECTING) upstream.close(1000);
      this.ended(code === 1000 || code === 1001 ? 'player left' : `browser socket closed (${code})`);
    });
    upstream.on('close', (code, reason) => {
      if (browser.readyState === WebSocket.OPEN) browser.close(sendableCode(code), reason.toString().slice(0, 120));
      this.ended(code === 1000 ? 'upstream ended the session' : `upstream closed (${code})`);
    });
  }

  protected transmit(event: ControlClientEvent): void {
    if (this.upstream.readyState === WebSocket.OPEN) this.upstream.send(JSON.stringify(event));
  }

  protected terminate(reason: string): void {
    this.log(`control: closing relay ${this.sessionId}: ${reason}`);
    if (this.browser.readyState === WebSocket.OPEN) this.browser.close(1000, reason.slice(0, 120));
    if (this.upstream.readyState === WebSocket.OPEN) this.upstream.close(1000);
  }

  private fromBrowser(data: RawData, isBinary: boolean): void {
    if (this.isClosed) return;
    const text = data.toString();
    const event = isBinary ? undefined : parseEvent(text);
    if (event && this.clientEvent(event) === 'drop') return;
    if (this.upstream.readyState === WebSocket.OPEN && !this.stalled(this.upstream, 'upstream')) this.upstream.send(isBinary ? data : text, { binary: isBinary });
  }

  /** Whether `socket` has stopped reading (then the session is closed, once). */
  private stalled(socket: WebSocket, side: string): boolean {
    if (socket.bufferedAmount <= MAX_QUEUED_BYTES) return false;
    this.close(`${side} stopped reading (over ${MAX_QUEUED_BYTES} bytes queued)`);
    return true;
  }

  private fromUpstream(data: RawData, isBinary: boolean): void {
    const text = data.toString();
    const event = isBinary ? undefined : parseEvent(text);
    if (event) this.serverEvent(event as ObservedServerEvent);
    if (this.browser.readyState === WebSocket.OPEN && !this.stalled(this.browser, 'the browser')) this.browser.send(isBinary ? data : text, { binary: isBinary });
  }
}
