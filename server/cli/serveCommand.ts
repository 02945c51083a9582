import { statSync } from 'node:fs';
import { readConfig } from '../config.js';
import { createNpcVoiceServer } from '../createServer.js';
import { defaultPersonaDir, parseCommandArgs, parsePort, type CliIo, type CommandResult } from './commandLine.js';

const ENVIRONMENT = `Environment: OPENAI_API_KEY (switches from the local emulator to OpenAI), NPC_VOICE_MODE (openai|emulator; required
in production without a key), PORT (--port wins), NPC_VOICE_PUBLIC_URL, NPC_VOICE_TRUST_PROXY, OPENAI_BASE_URL, NPC_VOICE_MODEL,
NPC_VOICE_ALLOWED_ORIGINS, NPC_VOICE_RATE_LIMIT, NPC_VOICE_KEY_TTL_S, NPC_VOICE_UPSTREAM_TIMEOUT_MS, NPC_VOICE_PERSONA_DIR, NPC_VOICE_MAX_SESSIONS,
NPC_VOICE_MAX_SESSIONS_PER_KEY, NPC_VOICE_MAX_SESSIONS_PER_CLIENT, NPC_VOICE_MAX_INSTRUCTIONS_CHARS, NPC_VOICE_MAX_UTTERANCE_CHARS,
NPC_VOICE_TTS_WORKERS, NPC_VOICE_MAX_SESSION_AUDIO_BYTES, NPC_VOICE_WS_IDLE_TIMEOUT_MS, NPC_VOICE_WS_PING_INTERVAL_MS, NPC_VOICE_KEY_SWEEP_MS,
NPC_VOICE_RECORD, NPC_VOICE_REPLAY, NPC_VOICE_OPEN_VOCABULARY,
NPC_VOICE_HEADERS_TIMEOUT_MS, NPC_VOICE_REQUEST_TIMEOUT_MS, NPC_VOICE_KEEP_ALIVE_TIMEOUT_MS, NPC_VOICE_SIP_PORT, NPC_VOICE_SIP_HOST,
NPC_VOICE_SIP_WEBHOOK_URL, OPENAI_WEBHOOK_SECRET, NPC_VOICE_RELAY, NPC_VOICE_TLS (on|off), NPC_VOICE_TLS_CERT, NPC_VOICE_TLS_KEY
(see README, Configuration).`;

/** `phaser-npc-voice serve --help` (also what `npm run server -- --help` prints). */
export const SERVE_HELP = `Usage: phaser-npc-voice serve [--port <n>] [--host <h>] [--demo] [--personas <dir>]
       (npm start = serve --demo; npm run server = serve; with no command, serve runs)

The key-minting server and the local Realtime emulator, for this package's demo personas unless told otherwise.

  --port <n>        port to listen on (0 picks a free one; default PORT, else 8787)
  --host <h>        address to bind (default 127.0.0.1)
  --demo            also serve the demo game on the same origin, and reload personas on save (what \`npm start\` does)
  --personas <dir>  persona folder (default NPC_VOICE_PERSONA_DIR, else the demo's assets/personas)
  --relay           put this server in the path of every session (WebSocket relay, WebRTC unified interface), so
                    server policies see them; default NPC_VOICE_RELAY
  --help            this text

${ENVIRONMENT}`;

/** `phaser-npc-voice dev --help`. */
export const DEV_HELP = `Usage: phaser-npc-voice dev [--port <n>] [--host <h>] [--personas <dir>]

The mint route (POST /api/npc-voice/session) and the local Realtime emulator for your own personas, reloaded when a
file changes. A bad edit is reported with its file and field, and the previous persona stays in use.

  --port <n>        port to listen on (0 picks a free one; default PORT, else 8787)
  --host <h>        address to bind (default 127.0.0.1)
  --personas <dir>  persona folder (default NPC_VOICE_PERSONA_DIR, else ./assets/personas when it exists, else ./personas)
  --relay           put this server in the path of every session (default NPC_VOICE_RELAY)
  --help            this text

Prints \`listening on http://HOST:PORT\`; stops on Ctrl-C. Exit codes: 1 when it cannot start (a persona is invalid,
the folder is missing, the port is taken), 2 for bad usage.

${ENVIRONMENT}`;

interface ServerRun {
  relay: boolean;
  port: number | undefined;
  host: string | undefined;
  demo: boolean;
  personaDir: string | undefined;
  watch: boolean;
}

async function runServer(io: CliIo, run: ServerRun): Promise<CommandResult> {
  const config = readConfig(io.env, { port: run.port, host: run.host, ...(run.relay ? { relay: true } : {}) });
  if (run.personaDir !== undefined) config.personaDir = run.personaDir;
  const server = await createNpcVoiceServer({
    config,
    demo: run.demo,
    watchPersonas: run.watch,
    log: (line) => io.err(`${line}\n`),
  });
  // Before the first line is printed: whoever reads it may signal at once (a preempted process would die unhandled).
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  io.out(`listening on ${server.url}\n`);
  if (server.httpsUrl !== undefined && server.tlsCertPath !== undefined) {
    io.out(`tls: ${server.httpsUrl} too (wss:// for the official clients); trust it with NODE_EXTRA_CA_CERTS=${server.tlsCertPath}\n`);
  }
  io.out(`mode: ${config.mode}${config.mode === 'emulator' ? ' (local Realtime emulator, no API key needed)' : ''}\n`);
  if (config.relay) io.out('relay: sessions go through this server (WebSocket relay, WebRTC unified interface)\n');
  if (run.demo) io.out(`demo: open ${server.url}/ in a browser\n`);
  const ids = [...server.personas.all().keys()];
  const where = `${server.personas.dir}${run.watch ? ', reloaded when a file changes' : ''}`;
  io.out(ids.length > 0 ? `personas: ${ids.join(', ')} (${where})\n` : `personas: none yet in ${where}; add one with \`phaser-npc-voice init\`\n`);
  return 'running';
}

/** `phaser-npc-voice serve`: today's server (`npm start`, `npm run server`). */
export async function serveCommand(io: CliIo, args: string[]): Promise<CommandResult> {
  const { values } = parseCommandArgs('serve', args, {
    port: { type: 'string' },
    host: { type: 'string' },
    demo: { type: 'boolean', default: false },
    relay: { type: 'boolean', default: false },
    personas: { type: 'string' },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    io.out(`${SERVE_HELP}\n`);
    return 0;
  }
  const demo = values.demo === true;
  return runServer(io, { port: parsePort(values.port), host: values.host, demo, personaDir: values.personas, watch: demo, relay: values.relay === true });
}

/** `phaser-npc-voice dev`: the developer's own personas, watched. */
export async function devCommand(io: CliIo, args: string[]): Promise<CommandResult> {
  const { values } = parseCommandArgs('dev', args, {
    port: { type: 'string' },
    host: { type: 'string' },
    personas: { type: 'string' },
    relay: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    io.out(`${DEV_HELP}\n`);
    return 0;
  }
  const port = parsePort(values.port);
  const personaDir = values.personas ?? (io.env.NPC_VOICE_PERSONA_DIR || defaultPersonaDir());
  if (!statSync(personaDir, { throwIfNoEntry: false })?.isDirectory()) {
    io.err(
      `error: no persona folder at ${personaDir}. Create one with \`phaser-npc-voice init\`` +
        `${values.personas === undefined ? ' (dev looks in ./assets/personas, then ./personas)' : ''}, or pass --personas <dir>.\n`,
    );
    return 1;
  }
  return runServer(io, { port, host: values.host, demo: false, personaDir, watch: true, relay: values.relay === true });
}
