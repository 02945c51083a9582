// `phaser-npc-voice/vite`: the Vite plugin. In `vite` (dev) it mounts the mint route and the local Realtime
// emulator on Vite's own dev server (same origin: no CORS, no second process) and pushes persona edits to the
// running game; in `vite build` it adds nothing (the library's worklet files and the game's persona JSON are
// ordinary assets of the bundle).
import { existsSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { loadEnv, type Plugin, type ViteDevServer } from 'vite';
import { PERSONA_HMR_EVENT, type PersonaHmrPayload } from '../../plugin/shared/hmr.js';
import { parsePersonaJson } from '../../plugin/shared/parsePersona.js';
import { attachNpcVoice, ownsPath, type NpcVoiceAttachment } from '../attachNpcVoice.js';
import { defaultPersonaDir } from '../cli/commandLine.js';
import { readConfig } from '../config.js';
import type { ServerControlOptions } from '../control/ServerControlOptions.js';

/** Options of {@link npcVoice}. */
export interface NpcVoiceViteOptions {
  /**
   * The persona folder, relative to Vite's `root`. Default: `assets/personas` when it exists, else `personas` (as
   * the CLI). Keep it outside `public/`: the game imports the JSON, and Vite does not bundle `public/`.
   */
  personas?: string;
  /**
   * The server's environment (`OPENAI_API_KEY`, `NPC_VOICE_*`, see the README). Default: `process.env` over the
   * project's `.env` files, all variables (they stay on the server: Vite exposes only `VITE_*` to the browser).
   */
  env?: Record<string, string | undefined>;
  /** Server-side control of relayed sessions (`NPC_VOICE_RELAY=1`): see `AttachNpcVoiceOptions.control`. */
  control?: ServerControlOptions;
}

const HMR_CLIENT_ID = '/@npc-voice/hmr-client.js';
const RESOLVED_HMR_CLIENT = '\0npc-voice-hmr-client';
// Re-dispatches persona edits as window events, which NpcVoicePlugin listens to (the pre-bundled library has no
// `import.meta.hot` of its own).
const HMR_CLIENT = `if (import.meta.hot) {
  import.meta.hot.on(${JSON.stringify(PERSONA_HMR_EVENT)}, (detail) => {
    window.dispatchEvent(new CustomEvent(${JSON.stringify(PERSONA_HMR_EVENT)}, { detail }));
  });
}
`;

/**
 * The Vite plugin: `plugins: [npcVoice({ personas: 'assets/personas' })]` in `vite.config.ts`, then `npm run dev` is
 * all a developer runs. Without `OPENAI_API_KEY` the NPCs talk through the local emulator; with it, keys are minted
 * from OpenAI and the key never leaves the dev server.
 * @example
 * import { defineConfig } from 'vite';
 * import { npcVoice } from 'phaser-npc-voice/vite';
 * export default defineConfig({ plugins: [npcVoice()] });
 */
export function npcVoice(options: NpcVoiceViteOptions = {}): Plugin {
  let personaDir = '';
  let attachment: NpcVoiceAttachment | undefined;

  return {
    name: 'phaser-npc-voice',

    async configureServer(server: ViteDevServer) {
      const logger = server.config.logger;
      const log = (line: string): void => logger.info(`[npc-voice] ${line}`, { timestamp: true });
      personaDir = resolvePersonaDir(server.config.root, options.personas);
      const httpServer = server.httpServer as http.Server | null;
      if (!httpServer) {
        logger.warn('[npc-voice] Vite runs in middleware mode: mount attachNpcVoice() from phaser-npc-voice/server on your own HTTP server instead.');
        return;
      }
      try {
        if (!existsSync(personaDir)) {
          throw new Error(`no persona folder at ${path.relative(server.config.root, personaDir) || personaDir}: create one with \`npx phaser-npc-voice init\` or pass npcVoice({ personas: '<folder>' })`);
        }
        const env = options.env ?? { ...loadEnv(server.config.mode, server.config.envDir || server.config.root, ''), ...process.env };
        const config = readConfig({ ...env, NPC_VOICE_PERSONA_DIR: personaDir });
        attachment = await attachNpcVoice(httpServer, { config, log, watchPersonas: true, ...(options.control ? { control: options.control } : {}) });
        log(`mint route and ${config.mode === 'openai' ? 'OpenAI keys' : 'the local Realtime emulator'} on this dev server; personas: ${[...attachment.personas.all().keys()].join(', ') || '(none)'} (${path.relative(server.config.root, personaDir)})`);
        server.middlewares.use(attachment.middleware);
        httpServer.once('close', () => void attachment?.close());
      } catch (err) {
        // The game still loads: its NPCs report the voice service as unavailable, with this reason in their error.
        const reason = err instanceof Error ? err.message : String(err);
        logger.error(`[npc-voice] voice is off: ${reason}`, { timestamp: true });
        server.middlewares.use((req, res, next) => {
          if (!ownsPath(req.url)) return next();
          res.statusCode = 503;
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ error: { type: 'unavailable', code: 'npc_voice_not_started', message: `phaser-npc-voice did not start: ${reason}` } }));
        });
      }
    },

    resolveId(id) {
      return id === HMR_CLIENT_ID ? RESOLVED_HMR_CLIENT : null;
    },

    load(id) {
      return id === RESOLVED_HMR_CLIENT ? HMR_CLIENT : null;
    },

    transformIndexHtml: {
      order: 'pre',
      handler(_html, context) {
        if (!context.server) return [];
        return [{ tag: 'script', attrs: { type: 'module', src: HMR_CLIENT_ID }, injectTo: 'head' }];
      },
    },

    async handleHotUpdate({ file, read, server }) {
      if (!personaDir || !file.endsWith('.json') || !isInside(personaDir, file)) return undefined;
      const name = path.relative(server.config.root, file);
      const parsed = parsePersonaJson(await read(), name);
      // The server's registry reloads itself (it watches the folder); this pushes the edit to the running game.
      if (!parsed.ok) {
        server.config.logger.error(`[npc-voice] ${parsed.error.message} (the previous persona stays in use)`, { timestamp: true });
        server.ws.send({ type: 'error', err: { message: `${parsed.error.message}\n(the previous persona stays in use)`, stack: '', id: file, plugin: 'phaser-npc-voice' } });
        return [];
      }
      const payload: PersonaHmrPayload = { id: parsed.persona.id, persona: parsed.persona };
      server.ws.send({ type: 'custom', event: PERSONA_HMR_EVENT, data: payload });
      server.config.logger.info(`[npc-voice] persona ${parsed.persona.id} updated in the running game`, { timestamp: true });
      // No module update: the game keeps running (a reload would end every conversation).
      return [];
    },
  };
}

function resolvePersonaDir(root: string, configured: string | undefined): string {
  return path.resolve(root, configured ?? defaultPersonaDir(root));
}

function isInside(dir: string, file: string): boolean {
  const relative = path.relative(dir, path.resolve(file));
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
