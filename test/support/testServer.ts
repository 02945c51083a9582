import { readConfig } from '../../server/config.js';
import { createNpcVoiceServer, type NpcVoiceServer } from '../../server/createServer.js';

/** A real server on a free port, with its log lines captured instead of printed. */
export interface TestServer {
  server: NpcVoiceServer;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `ws://127.0.0.1:PORT/v1/realtime` */
  wsUrl: string;
  /** Every line the server logged. */
  logs: string[];
  /** A fresh `ek_` key from the server's key store (the emulator accepts no other), valid for 10 minutes. */
  mintKey(personaId?: string): string;
  close(): Promise<void>;
}

/** Starts the real server on port 0 with the given environment (no OPENAI_API_KEY: emulator mode). */
export async function startTestServer(
  env: Record<string, string | undefined> = {},
  options: { now?: () => number } = {},
): Promise<TestServer> {
  const logs: string[] = [];
  const server = await createNpcVoiceServer({
    config: readConfig(env, { port: 0, host: '127.0.0.1' }),
    log: (line) => logs.push(line),
    ...(options.now ? { now: options.now } : {}),
  });
  return {
    server,
    url: server.url,
    wsUrl: `${server.url.replace(/^http/, 'ws')}/v1/realtime`,
    logs,
    mintKey: (personaId) => server.keyStore.issue({ type: 'realtime' }, 600, personaId).value,
    close: () => server.close(),
  };
}
