import type http from 'node:http';
import { fileURLToPath } from 'node:url';

/** The repository's vite.config.ts (demo app root: demo-game/). */
const VITE_CONFIG = fileURLToPath(new URL('../vite.config.ts', import.meta.url));

/** Runs Vite in middleware mode on our own HTTP server so the demo and the API share one origin. */
export async function startDemoMiddleware(server: http.Server) {
  const { createServer } = await import('vite');
  const vite = await createServer({
    configFile: VITE_CONFIG,
    server: { middlewareMode: true, ws: { server } },
    appType: 'spa',
  });
  return {
    middleware: vite.middlewares as unknown as (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void,
    close: () => vite.close(),
  };
}
