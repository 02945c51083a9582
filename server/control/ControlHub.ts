import type { LogFn } from '../redact.js';
import { applyPolicies, type ControlledSession, type SessionPolicy } from './ControlledSession.js';

/**
 * Where every controlled session (a unified-interface call's sideband, a relayed WebSocket) is handed once it is
 * open: it applies the server's policies (built-in ones first, then `control.policies`), logs one line when the
 * session opens and one when it closes, and keeps the live ones so the server can end them on shutdown.
 */
export class ControlHub {
  private readonly live = new Set<ControlledSession>();

  constructor(
    private readonly policies: readonly SessionPolicy[],
    private readonly log: LogFn,
  ) {}

  /** Sessions currently open. */
  get size(): number {
    return this.live.size;
  }

  /** Takes a freshly opened session under control. */
  adopt(session: ControlledSession): void {
    const { sessionId, channel, personaId, playerId } = session;
    this.log(`control: ${channel} session ${sessionId} opened (persona ${personaId}, player ${JSON.stringify(playerId)})`);
    this.live.add(session);
    session.onClose((reason) => {
      this.live.delete(session);
      this.log(`control: ${channel} session ${sessionId} closed: ${reason}`);
    });
    applyPolicies(session, this.policies, this.log);
  }

  /** Ends every live session (server shutdown). */
  closeAll(reason: string): void {
    for (const session of [...this.live]) session.close(reason);
  }
}
