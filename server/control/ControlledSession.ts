import { WebSocket } from 'ws';
import type { Persona } from '../../plugin/shared/personaSchema.js';
import type { ServerEvent } from '../../plugin/shared/protocol/serverEvents.js';
import type { LogFn } from '../redact.js';

/** A server event as the developer's server sees it: typed by `type`, anything else loose (the service adds fields). */
export type ObservedServerEvent = ServerEvent | (Record<string, unknown> & { type: string });

/** A client event the developer's server sends into a session (the GA client event shapes). */
export type ControlClientEvent = Record<string, unknown> & { type: string };

/** How the server sees the session: a sideband of a WebRTC/SIP call (`?call_id=`), or the WebSocket relay. */
export type ControlChannel = 'sideband' | 'relay';

/** Who and what a controlled session is. */
export interface SessionIdentity {
  /** The call id (`rtc_…`) for a sideband, the relay's own session id otherwise. */
  readonly sessionId: string;
  /** The player, as the mint's `authorize` hook named them (else the client address). */
  readonly playerId: string;
  readonly personaId: string;
  /** The persona the session was built from, when the server has it. */
  readonly persona: Persona | undefined;
  readonly channel: ControlChannel;
}

/** What a relay lets a policy do with one event the player's browser sent. */
export type ClientEventVerdict = 'forward' | 'drop';

/**
 * A live Realtime session the developer's server watches and steers: it sees every server event of the session and
 * may send client events into it. Server tools, guardrails, lifecycle limits, budgets and memory are
 * {@link SessionPolicy | policies} over this one interface, whichever channel (sideband or relay) carries it.
 */
export interface ControlledSession extends SessionIdentity {
  /** Sends one client event into the session. Dropped (and logged) once the session has closed. */
  send(event: ControlClientEvent): void;
  /** Every server event of the session, in order. Returns the unsubscribe. */
  onServerEvent(listener: (event: ObservedServerEvent) => void): () => void;
  /**
   * Every client event the player's browser sends, before it goes upstream: only a relay sees them (a sideband
   * does not; the browser talks to the API directly). A listener returning `'drop'` keeps the event from upstream.
   * Returns the unsubscribe.
   */
  onClientEvent(listener: (event: ControlClientEvent) => ClientEventVerdict | void): () => void;
  /** The session ended (either side, or {@link close}); runs at once when it already has. Returns the unsubscribe. */
  onClose(listener: (reason: string) => void): () => void;
  /** Ends the session for good: a sideband hangs the call up, a relay closes both sockets. Safe to call twice. */
  close(reason: string): void;
  readonly isClosed: boolean;
}

/** A server-side behaviour attached to every controlled session; may return its disposer (run when the session ends). */
export type SessionPolicy = (session: ControlledSession) => void | (() => void);

/** Runs `policies` on `session`, and their disposers when it closes. A policy that throws is logged and skipped. */
export function applyPolicies(session: ControlledSession, policies: readonly SessionPolicy[], log: LogFn): void {
  const disposers: (() => void)[] = [];
  for (const policy of policies) {
    try {
      const dispose = policy(session);
      if (dispose) disposers.push(dispose);
    } catch (err) {
      log(`control: a policy failed on ${session.sessionId}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  session.onClose(() => {
    for (const dispose of disposers) {
      try {
        dispose();
      } catch (err) {
        log(`control: a policy's disposer failed on ${session.sessionId}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  });
}

/**
 * The shared half of every {@link ControlledSession}: listener sets and the close latch. A channel subclasses it,
 * implements `transmit`/`terminate` and calls `serverEvent`, `clientEvent` and `ended`.
 */
export abstract class ControlledSessionBase implements ControlledSession {
  private readonly serverListeners = new Set<(event: ObservedServerEvent) => void>();
  private readonly clientListeners = new Set<(event: ControlClientEvent) => ClientEventVerdict | void>();
  private readonly closeListeners = new Set<(reason: string) => void>();
  private closedWith: string | null = null;

  constructor(
    readonly identity: SessionIdentity,
    protected readonly log: LogFn,
  ) {}

  get sessionId(): string {
    return this.identity.sessionId;
  }
  get playerId(): string {
    return this.identity.playerId;
  }
  get personaId(): string {
    return this.identity.personaId;
  }
  get persona(): Persona | undefined {
    return this.identity.persona;
  }
  get channel(): ControlChannel {
    return this.identity.channel;
  }
  get isClosed(): boolean {
    return this.closedWith !== null;
  }

  send(event: ControlClientEvent): void {
    if (this.closedWith !== null) {
      this.log(`control: ${this.sessionId} has closed; ${event.type} not sent`);
      return;
    }
    this.transmit(event);
  }

  onServerEvent(listener: (event: ObservedServerEvent) => void): () => void {
    this.serverListeners.add(listener);
    return () => this.serverListeners.delete(listener);
  }

  onClientEvent(listener: (event: ControlClientEvent) => ClientEventVerdict | void): () => void {
    this.clientListeners.add(listener);
    return () => this.clientListeners.delete(listener);
  }

  onClose(listener: (reason: string) => void): () => void {
    if (this.closedWith !== null) {
      listener(this.closedWith);
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  close(reason: string): void {
    if (this.closedWith !== null) return;
    this.terminate(reason);
    this.ended(reason);
  }

  /** Puts one client event on the channel. */
  protected abstract transmit(event: ControlClientEvent): void;
  /** Ends the channel (and, where the channel can, the session). */
  protected abstract terminate(reason: string): void;

  /** Hands one server event to the listeners; a listener that throws is logged, the others still run. */
  protected serverEvent(event: ObservedServerEvent): void {
    for (const listener of [...this.serverListeners]) {
      try {
        listener(event);
      } catch (err) {
        this.log(`control: a listener failed on ${event.type}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** Asks the listeners about one client event from the browser: `'drop'` when any of them says so. */
  protected clientEvent(event: ControlClientEvent): ClientEventVerdict {
    let verdict: ClientEventVerdict = 'forward';
    for (const listener of [...this.clientListeners]) {
      try {
        if (listener(event) === 'drop') verdict = 'drop';
      } catch (err) {
        this.log(`control: a listener failed on ${event.type}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return verdict;
  }

  /** The session ended: runs the close listeners once. */
  protected ended(reason: string): void {
    if (this.closedWith !== null) return;
    this.closedWith = reason;
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    this.serverListeners.clear();
    this.clientListeners.clear();
    for (const listener of listeners) {
      try {
        listener(reason);
      } catch (err) {
        this.log(`control: a close listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

/** Where a sideband connects: the call, and the standard key that may control it. */
export interface SidebandTarget {
  /** `wss://api.openai.com/v1/realtime` or the emulator's `ws://…/v1/realtime`. */
  realtimeUrl: string;
  callId: string;
  /** A standard key (`sk-…`): the service refuses ephemeral keys on the sideband. Never logged. */
  apiKey: string;
  /** Base of the calls API (`https://api.openai.com/v1`), to hang the call up on `close`. */
  callsBaseUrl: string;
}

/**
 * A {@link ControlledSession} over the sideband of a WebRTC or SIP call (`GET /v1/realtime?call_id=…`). It resolves
 * once the socket is open; `close` hangs the call up through `POST /v1/realtime/calls/{id}/hangup`.
 * @throws when the sideband cannot be opened (unknown call, refused key).
 */
export async function openSidebandSession(
  target: SidebandTarget,
  identity: Omit<SessionIdentity, 'sessionId' | 'channel'>,
  log: LogFn,
): Promise<ControlledSession> {
  const url = `${target.realtimeUrl}?call_id=${encodeURIComponent(target.callId)}`;
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${target.apiKey}` } });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new Error(`sideband of ${target.callId} refused: HTTP ${res.statusCode}`)));
    ws.once('error', (err) => reject(new Error(`sideband of ${target.callId} failed: ${err.message}`)));
  });
  return new SidebandSession(ws, target, { ...identity, sessionId: target.callId, channel: 'sideband' }, log);
}

class SidebandSession extends ControlledSessionBase {
  constructor(
    private readonly ws: WebSocket,
    private readonly target: SidebandTarget,
    identity: SessionIdentity,
    log: LogFn,
  ) {
    super(identity, log);
    ws.on('message', (data) => {
      let event: unknown;
      try {
        event = JSON.parse(String(data));
      } catch {
        this.log(`control: sideband of ${this.sessionId} sent a frame that is not JSON`);
        return;
      }
      if (typeof event === 'object' && event !== null && typeof (event as { type?: unknown }).type === 'string') {
        this.serverEvent(event as ObservedServerEvent);
      }
    });
    ws.on('error', (err) => this.log(`control: sideband of ${this.sessionId}: ${err.message}`));
    ws.on('close', (code) => this.ended(code === 1000 ? 'call ended' : `sideband closed (${code})`));
  }

  protected transmit(event: ControlClientEvent): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(event));
  }

  protected terminate(reason: string): void {
    this.log(`control: hanging up ${this.sessionId}: ${reason}`);
    const hangup = `${this.target.callsBaseUrl}/realtime/calls/${encodeURIComponent(this.target.callId)}/hangup`;
    void fetch(hangup, { method: 'POST', headers: { authorization: `Bearer ${this.target.apiKey}` } })
      .then((res) => res.arrayBuffer())
      .catch((err: unknown) => this.log(`control: hangup of ${this.sessionId} failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => this.ws.close(1000));
  }
}
