import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createApp, MINT_PATH } from './app.js';
import { PHONE_WEBHOOK_PATH } from './phone/phoneRoute.js';
import { newWebhookSecret } from './emulator/sip/webhookSignature.js';
import type { SipEndpoint } from './emulator/sip/SipEndpoint.js';
import { readConfig, type ServerConfig } from './config.js';
import { KeyStore } from './emulator/keyStore.js';
import { openStore } from './store/index.js';
import type * as Emulator from './emulator/attach.js';
import { assertEmulatorEngines } from './emulator/engines.js';
import type { RealtimeCalls } from './emulator/webrtc/RealtimeCalls.js';
import { createOriginPolicy } from './originPolicy.js';
import { PersonaRegistry } from './personas/PersonaRegistry.js';
import { redactingLogger, type LogFn } from './redact.js';
import type { SessionPolicy } from './control/ControlledSession.js';
import { ControlHub } from './control/ControlHub.js';
import { ControlTokens } from './control/ControlTokens.js';
import { emulatorControlUpstream, openaiControlUpstream, type ControlUpstream } from './control/controlUpstream.js';
import { attachRelay, type RelayEndpoint } from './control/relayEndpoint.js';
import type { ServerControlOptions } from './control/ServerControlOptions.js';
import { UNIFIED_CALLS_PATH } from './control/unifiedCallsRoute.js';
import { listeningOrigin } from './listeningOrigin.js';

/** Policies every controlled session gets before the developer's own (`control.policies`). */
const BUILTIN_POLICIES: readonly SessionPolicy[] = [];

/** The emulator's Realtime endpoints as mounted (nothing in `openai` mode). */
type RealtimeAttachment = Awaited<ReturnType<typeof Emulator.attachRealtime>>;

/** Options of {@link attachNpcVoice}. */
export interface AttachNpcVoiceOptions {
  /** Default: `readConfig(process.env)`. */
  config?: ServerConfig;
  /** Where log lines go (already redacted). Default: stderr. */
  log?: LogFn;
  /**
   * Origins of pages served by the host server, besides the ones derived from the address it listens on
   * (`http(s)://localhost:PORT`, `127.0.0.1`, `[::1]`, the bound address) and `config.publicUrl`. The `Host` header is
   * never trusted for this: a DNS-rebinding page could name any host.
   */
  ownOrigins?: readonly string[];
  /** Watch the persona folder and reload on change. Default false. */
  watchPersonas?: boolean;
  /** Injected clock for the key store (tests of expiry). */
  now?: () => number;
  /** Server-side control of the sessions this server is in the path of (relay mode): the policies applied to each. */
  control?: ServerControlOptions;
}

/** A Node/Connect middleware: answers what it owns, passes the rest to `next`. */
export type NpcVoiceMiddleware = (req: http.IncomingMessage, res: http.ServerResponse, next?: (err?: unknown) => void) => void;

/** What {@link attachNpcVoice} mounted. */
export interface NpcVoiceAttachment {
  /**
   * Answers the mint route, `/healthz` and the emulator's REST routes; anything else goes to `next()` (without
   * `next`, it answers 404 in the API's error shape).
   */
  middleware: NpcVoiceMiddleware;
  readonly personas: PersonaRegistry;
  readonly keyStore: KeyStore;
  readonly config: ServerConfig;
  /** Test hook: drops every emulator Realtime socket and WebRTC call abruptly; returns how many (0 in `openai` mode). */
  /** UDP port of the emulator's SIP interface, when it listens for phone calls (`NPC_VOICE_SIP_PORT`). */
  readonly sipPort: number | undefined;
  dropRealtimeConnections(): number;
  /** Closes emulator sessions, the speech engines, the key store and the persona watcher (not the host server). Safe to call twice. */
  close(): Promise<void>;
}

const OWNED_PATHS = new Set([MINT_PATH, '/healthz', '/v1/realtime/client_secrets', '/v1/realtime/calls', PHONE_WEBHOOK_PATH, UNIFIED_CALLS_PATH]);

/** Whether a request path (with its query) is one {@link attachNpcVoice} answers. */
export function ownsPath(url: string | undefined): boolean {
  const pathname = (url ?? '/').split('?')[0] ?? '/';
  return OWNED_PATHS.has(pathname) || pathname.startsWith('/v1/realtime/calls/');
}

/** The origins a browser shows for pages of `server`, from the address it listens on (none before it listens). */
function listeningOrigins(server: http.Server): string[] {
  const address = server.address();
  if (address === null || typeof address === 'string') return [];
  const { port } = address as AddressInfo;
  const hosts = ['localhost', '127.0.0.1', '[::1]', address.address.includes(':') ? `[${address.address}]` : address.address];
  return hosts.flatMap((host) => [`http://${host}:${port}`, `https://${host}:${port}`]);
}

/**
 * Mounts key minting, `/healthz`, the emulator's REST routes (`/v1/realtime/client_secrets`, `/v1/realtime/calls`)
 * and its Realtime WebSocket upgrade (`/v1/realtime`; other upgrades, like Vite's HMR, are left alone) on an existing
 * HTTP server, such as Vite's `server.httpServer`. Pages served by that server are same-origin and may mint. In
 * relay mode (`config.relay`) it also mounts the unified interface (`POST /api/npc-voice/calls`) and the WebSocket
 * relay (`/api/npc-voice/realtime`), and applies `control.policies` to every session they carry.
 * @throws ConfigError for a bad environment; AggregateError of PersonaError for an invalid persona folder;
 *   EmulatorEnginesMissingError in emulator mode when the speech engines are not installed (it names the command).
 * @example
 * const voice = await attachNpcVoice(server.httpServer, { config: readConfig(process.env) });
 * server.middlewares.use(voice.middleware);
 */
export async function attachNpcVoice(httpServer: http.Server, options: AttachNpcVoiceOptions = {}): Promise<NpcVoiceAttachment> {
  const config = options.config ?? readConfig(process.env);
  const log = redactingLogger(options.log ?? ((line) => process.stderr.write(`${line}\n`)), [config.openaiApiKey]);
  const personas = await PersonaRegistry.load(config.personaDir, log);
  const store = config.store ? await openStore(config.store) : null;
  const keyStore = new KeyStore(options.now, { sweepIntervalMs: config.keySweepIntervalMs });
  const extraOwn = [...(options.ownOrigins ?? []), ...(config.publicUrl ? [new URL(config.publicUrl).origin] : [])];
  const origins = createOriginPolicy(() => [...listeningOrigins(httpServer), ...extraOwn], config.allowedOrigins, { dev: config.allowDevOrigins });

  let realtimeCalls: RealtimeCalls | undefined;
  let sipCalls: SipEndpoint | undefined;
  // The emulator signs its call webhooks with the secret the phone route checks: one per start unless configured.
  const webhookSecret = config.webhookSecret ?? newWebhookSecret();
  // Relay mode: the server is in the path of every session (the relay for WebSocket, the unified interface for WebRTC).
  const hub = new ControlHub([...BUILTIN_POLICIES, ...(options.control?.policies ?? [])], log);
  const controlUpstream: ControlUpstream =
    config.mode === 'openai' && config.openaiApiKey
      ? openaiControlUpstream({ apiKey: config.openaiApiKey, baseUrl: config.openaiBaseUrl, model: config.model, ttlSeconds: config.keyTtlSeconds, timeoutMs: config.upstreamTimeoutMs })
      : emulatorControlUpstream({ keyStore, calls: () => realtimeCalls, origin: () => listeningOrigin(httpServer), model: config.model, ttlSeconds: config.keyTtlSeconds });
  if (!config.relay && (options.control?.policies?.length ?? 0) > 0) {
    log('control: policies are configured but relay mode is off, so sessions go direct and none will run: set NPC_VOICE_RELAY=1 (or --relay)');
  }
  const control = config.relay ? { tokens: new ControlTokens(config.keyTtlSeconds, options.now, store), upstream: controlUpstream, hub } : undefined;
  const app = createApp({ config, personas, keyStore, log, origins, realtimeCalls: () => realtimeCalls, sipCalls: () => sipCalls, webhookSecret, store, ...(control ? { control } : {}) });
  const apiListener = getRequestListener(app.fetch);
  // Loaded on demand and only in emulator mode: the speech engines are heavy optional peers, which a backend that
  // mints OpenAI keys does not install.
  let realtime: RealtimeAttachment = { close: async () => {}, dropConnections: () => 0 };
  if (config.mode === 'emulator') {
    try {
      assertEmulatorEngines();
      const { attachRealtime } = await import('./emulator/attach.js');
      realtime = await attachRealtime(httpServer, { config, keyStore, personas, log, origins, webhookSecret });
    } catch (err) {
      keyStore.close();
      await store?.close();
      throw err;
    }
  }
  realtimeCalls = realtime.calls;
  sipCalls = realtime.sip;
  if (options.watchPersonas) personas.watch();
  const relay: RelayEndpoint | undefined = control
    ? attachRelay(httpServer, { ...control, personas, origins, model: config.model, upstreamTimeoutMs: config.upstreamTimeoutMs, log })
    : undefined;

  let closed: Promise<void> | undefined;
  return {
    personas,
    keyStore,
    config,
    middleware(req, res, next) {
      if (next && !ownsPath(req.url)) {
        next();
        return;
      }
      void apiListener(req, res);
    },
    get sipPort() {
      return sipCalls?.port;
    },
    dropRealtimeConnections: () => realtime.dropConnections(),
    close() {
      closed ??= (async () => {
        personas.close();
        relay?.close();
        hub.closeAll('server shutting down');
        await realtime.close();
        keyStore.close();
        await store?.close();
      })();
      return closed;
    },
  };
}
