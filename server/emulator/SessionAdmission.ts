/** Why {@link SessionAdmission} refused a session. */
export interface AdmissionRefusal {
  code: 'rate_limit_exceeded';
  message: string;
}

/** A held slot; `release()` gives it back (safe to call twice). */
export interface AdmissionSlot {
  release(): void;
}

/**
 * Per-client caps on concurrent emulator sessions, shared by the WebSocket and WebRTC endpoints: at most `maxPerKey`
 * sessions per `ek_` key and `maxPerClient` per remote address, so one page (or one script) cannot take every slot
 * of the server-wide cap from other players.
 */
export class SessionAdmission {
  private readonly perKey = new Map<string, number>();
  private readonly perClient = new Map<string, number>();

  constructor(private readonly limits: { maxPerKey: number; maxPerClient: number }) {}

  /** Why a session for this key and address would be refused now, or null when it would be admitted. */
  check(key: string, address: string): AdmissionRefusal | null {
    if ((this.perKey.get(key) ?? 0) >= this.limits.maxPerKey) {
      return {
        code: 'rate_limit_exceeded',
        message: `Too many concurrent sessions with this key (limit ${this.limits.maxPerKey}, NPC_VOICE_MAX_SESSIONS_PER_KEY). Close one or mint a new key.`,
      };
    }
    if ((this.perClient.get(address) ?? 0) >= this.limits.maxPerClient) {
      return {
        code: 'rate_limit_exceeded',
        message: `Too many concurrent sessions from this client (limit ${this.limits.maxPerClient}, NPC_VOICE_MAX_SESSIONS_PER_CLIENT). Close one first.`,
      };
    }
    return null;
  }

  /** Takes a slot (call after {@link SessionAdmission.check} said yes). */
  acquire(key: string, address: string): AdmissionSlot {
    bump(this.perKey, key, 1);
    bump(this.perClient, address, 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        bump(this.perKey, key, -1);
        bump(this.perClient, address, -1);
      },
    };
  }
}

function bump(counts: Map<string, number>, id: string, by: number): void {
  const next = (counts.get(id) ?? 0) + by;
  if (next <= 0) counts.delete(id);
  else counts.set(id, next);
}
