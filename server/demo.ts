import type http from 'node:http';
import { existsSync } from 'node:fs';
import { packagePath } from './packageRoot.js';

/** The repository's vite.config.ts (demo app root: demo-game/); the published package does not ship the demo. */
const VITE_CONFIG = packagePath('vite.config.ts');

/** Runs Vite in middleware mode on our own HTTP server so the demo and the API share one origin. */
export async function startDemoMiddleware(server: http.Server) {
  if (!existsSync(VITE_CONFIG)) throw new Error('--demo runs the demo game of a checkout of the phaser-npc-voice repository; the installed package has no demo');
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
