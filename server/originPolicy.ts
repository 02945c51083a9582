/** Origins of the demo's Vite dev server when it runs on its own (always allowed: local development). */
export const DEV_ORIGINS: readonly string[] = ['http://localhost:5173', 'http://127.0.0.1:5173'];

/** Decides which browser origins may mint keys and open emulator sessions. */
export interface OriginPolicy {
  /**
   * Whether a request with this `Origin` header may proceed. No header means a server-side client (browsers always
   * send one on cross-origin fetches and on every WebSocket upgrade), which is allowed.
   */
  allows(origin: string | undefined): boolean;
}

/**
 * The allowlist: the server's own origins (known once it listens), the demo dev server's, and the configured extras
 * (`NPC_VOICE_ALLOWED_ORIGINS`). Trailing slashes are ignored; `null` (sandboxed pages, `file:`) is never allowed.
 */
export function createOriginPolicy(ownOrigins: () => readonly string[], extra: readonly string[]): OriginPolicy {
  return {
    allows(origin) {
      if (origin === undefined) return true;
      const normalized = origin.trim().replace(/\/+$/, '');
      return ownOrigins().includes(normalized) || DEV_ORIGINS.includes(normalized) || extra.includes(normalized);
    },
  };
}
