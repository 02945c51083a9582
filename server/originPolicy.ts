/**
 * Origins of the demo's Vite dev server when it runs on its own. In emulator mode outside production every loopback
 * origin is allowed ({@link isLoopbackOrigin}): a game's own dev server (Vite's 5173, Phaser's template's 8080, …)
 * calling `phaser-npc-voice dev` on another port.
 */
export const DEV_ORIGINS: readonly string[] = ['http://localhost:5173', 'http://127.0.0.1:5173'];

/** `http://localhost:<port>`, `http://127.0.0.1:<port>` or `http://[::1]:<port>`: a page on the developer's machine. */
export function isLoopbackOrigin(origin: string): boolean {
  return /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/.test(origin);
}

/** Decides which browser origins may mint keys and open emulator sessions. */
export interface OriginPolicy {
  /**
   * Whether a request with this `Origin` header may proceed. No header means a server-side client (browsers always
   * send one on cross-origin fetches and on every WebSocket upgrade), which is allowed.
   */
  allows(origin: string | undefined): boolean;
}

/** Compares origins as browsers send them: no trailing slash, no surrounding space. */
export function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '');
}

/**
 * The allowlist: the server's own origins (known once it listens), the configured extras
 * (`NPC_VOICE_ALLOWED_ORIGINS`) and, with `dev`, any loopback page ({@link isLoopbackOrigin}). Trailing slashes are
 * ignored; `null` (sandboxed pages, `file:`) is never allowed.
 */
export function createOriginPolicy(
  ownOrigins: () => readonly string[],
  extra: readonly string[],
  options: { dev?: boolean } = {},
): OriginPolicy {
  const allowed = new Set([...extra.map(normalizeOrigin), ...(options.dev ? DEV_ORIGINS : [])]);
  return {
    allows(origin) {
      if (origin === undefined) return true;
      const normalized = normalizeOrigin(origin);
      if (allowed.has(normalized) || (options.dev === true && isLoopbackOrigin(normalized))) return true;
      return ownOrigins().some((own) => normalizeOrigin(own) === normalized);
    },
  };
}
