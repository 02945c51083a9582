import { parseArgs } from 'node:util';
import { ConfigError, readConfig } from './config.js';
import { createNpcVoiceServer } from './createServer.js';

const HELP = `Usage: npm run server -- [--port <n>] [--host <h>] [--demo]

  --port <n>   port to listen on (0 picks a free one; default 8787)
  --host <h>   address to bind (default 127.0.0.1)
  --demo       also serve the demo game on the same origin (what \`npm start\` does)
  --help       this text

Environment: OPENAI_API_KEY (switches from the local emulator to OpenAI), OPENAI_BASE_URL, NPC_VOICE_MODEL,
NPC_VOICE_ALLOWED_ORIGINS, NPC_VOICE_RATE_LIMIT, NPC_VOICE_KEY_TTL_S, NPC_VOICE_UPSTREAM_TIMEOUT_MS, NPC_VOICE_PERSONA_DIR, NPC_VOICE_MAX_SESSIONS,
NPC_VOICE_MAX_SESSIONS_PER_KEY, NPC_VOICE_MAX_SESSIONS_PER_CLIENT, NPC_VOICE_MAX_INSTRUCTIONS_CHARS, NPC_VOICE_MAX_UTTERANCE_CHARS,
NPC_VOICE_TTS_WORKERS, NPC_VOICE_MAX_SESSION_AUDIO_BYTES, NPC_VOICE_WS_IDLE_TIMEOUT_MS, NPC_VOICE_WS_PING_INTERVAL_MS, NPC_VOICE_KEY_SWEEP_MS,
NPC_VOICE_HEADERS_TIMEOUT_MS, NPC_VOICE_REQUEST_TIMEOUT_MS, NPC_VOICE_KEEP_ALIVE_TIMEOUT_MS (see README, Configuration).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      demo: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`--port must be 0–65535, got ${values.port}`);
  }
  const config = readConfig(process.env, { port, host: values.host });
  const server = await createNpcVoiceServer({ config, demo: values.demo });
  process.stdout.write(`listening on ${server.url}\n`);
  process.stdout.write(`mode: ${config.mode}${config.mode === 'emulator' ? ' (local Realtime emulator, no API key needed)' : ''}\n`);
  if (values.demo) process.stdout.write(`demo: open ${server.url}/ in a browser\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
});
