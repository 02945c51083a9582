import { readConfig } from '../../server/config.js';
import type { ControlledSession, SessionPolicy } from '../../server/control/ControlledSession.js';
import { createNpcVoiceServer } from '../../server/createServer.js';
import type { TestServer } from './testServer.js';

/** A relay-mode test server whose `control.policies` hands every controlled session to the test. */
export interface ControlTestServer extends TestServer {
  /** Every controlled session the server opened, in order. */
  sessions: ControlledSession[];
  /** Resolves with the next controlled session the server opens. */
  nextSession(): Promise<ControlledSession>;
}

/** Starts a real server in relay mode on port 0 (emulator mode unless `env` says otherwise), with `policies` after the test's own. */
export async function startControlServer(env: Record<string, string | undefined> = {}, policies: SessionPolicy[] = []): Promise<ControlTestServer> {
  const logs: string[] = [];
  const sessions: ControlledSession[] = [];
  const waiters: ((session: ControlledSession) => void)[] = [];
  const record: SessionPolicy = (session) => {
    sessions.push(session);
    waiters.shift()?.(session);
  };
  const server = await createNpcVoiceServer({
    config: readConfig({ NPC_VOICE_RELAY: '1', ...env }, { port: 0, host: '127.0.0.1' }),
    log: (line) => logs.push(line),
    control: { policies: [record, ...policies] },
  });
  return {
    server,
    url: server.url,
    wsUrl: `${server.url.replace(/^http/, 'ws')}/v1/realtime`,
    logs,
    sessions,
    nextSession: () => new Promise((resolve) => waiters.push(resolve)),
    mintKey: (personaId) => server.keyStore.issue({ type: 'realtime' }, 600, personaId).value,
    close: () => server.close(),
  };
}

/** What the mint answers in relay mode. */
export interface RelayGrant {
  value: string;
  url: string;
  callsUrl: string;
  channel: string;
  mode: string;
}

/** Mints through the real route, as the game's page would; `headers` adds e.g. an `Origin`. */
export async function mintGrant(baseUrl: string, persona: string, headers: Record<string, string> = {}): Promise<RelayGrant> {
  const response = await fetch(`${baseUrl}/api/npc-voice/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ persona }),
  });
  if (!response.ok) throw new Error(`mint failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as RelayGrant;
}
