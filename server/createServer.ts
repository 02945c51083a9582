import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createApp } from './app.js';
import type { ServerConfig } from './config.js';
import { KeyStore } from './emulator/keyStore.js';
import type { RealtimeCalls } from './emulator/webrtc/RealtimeCalls.js';
import { emulatorUpstream, openaiUpstream } from './mint/upstream.js';
import { createOriginPolicy } from './originPolicy.js';
import { PersonaRegistry } from './personas/PersonaRegistry.js';
import { redactingLogger, type LogFn } from './redact.js';

/** Options of {@link createNpcVoiceServer}. */
export interface CreateServerOptions {
  config: ServerConfig;
  /** Where log lines go (already redacted). Default: stderr. */
  log?: LogFn;
  /** Serve the demo game through Vite on the same origin (dev, with HMR). */
  demo?: boolean;
  /** Watch the persona folder and reload on change. Default: with `demo`. */
  watchPersonas?: boolean;
  /** Injected clock for the key store (tests of expiry). */
  now?: () => number;
}

/** A running server. */
export interface NpcVoiceServer {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  readonly config: ServerConfig;
  readonly keyStore: KeyStore;
  readonly personas: PersonaRegistry;
  /**
   * Test hook: drops every emulator Realtime socket and WebRTC call abruptly, like a network failure (0 in `openai`
   * mode).
   * Returns how many were dropped.
   */
  dropRealtimeConnections(): number;
  /** Stops listening, closes sockets and watchers. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the server: key minting, health, the local Realtime emulator and (with `demo`) the demo game.
 * @throws when the persona folder is invalid or the port is taken.
 * @example
 * const server = await createNpcVoiceServer({ config: readConfig(process.env, { port: 0 }) });
 * console.log(server.url);
 */
export async function createNpcVoiceServer(options: CreateServerOptions): Promise<NpcVoiceServer> {
  const { config } = options;
  const log = redactingLogger(options.log ?? ((line) => process.stderr.write(`${line}\n`)), [config.openaiApiKey]);
  const personas = await PersonaRegistry.load(config.personaDir, log);
  const keyStore = new KeyStore(options.now, { sweepIntervalMs: config.keySweepIntervalMs });
  const upstream = config.mode === 'openai' ? openaiUpstream(config) : emulatorUpstream(keyStore, config.model);

  let ownOrigins: string[] = [];
  const origins = createOriginPolicy(() => ownOrigins, config.allowedOrigins);
  let realtimeCalls: RealtimeCalls | undefined;
  const app = createApp({ config, personas, keyStore, upstream, log, origins, realtimeCalls: () => realtimeCalls });
  const apiListener = getRequestListener(app.fetch);
  // Timeouts so that a client that opens TCP connections and sends nothing (or trickles a request) cannot hold them:
  // Node checks them every `connectionsCheckingInterval`, so that follows the shortest one.
  const server = http.createServer({
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 4))),
  });

  const closers: (() => Promise<void> | void)[] = [() => keyStore.close()];
  let demoMiddleware: ((req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void) | undefined;
  if (options.demo) {
    const { startDemoMiddleware } = await import('./demo.js');
    const demo = await startDemoMiddleware(server);
    demoMiddleware = demo.middleware;
    closers.push(() => demo.close());
  }

  server.on('request', (req, res) => {
    const path = req.url ?? '/';
    const isApi = path.startsWith('/api/') || path.startsWith('/v1/') || path === '/healthz' || path.startsWith('/healthz?');
    if (isApi || !demoMiddleware) {
      void apiListener(req, res);
      return;
    }
    demoMiddleware(req, res, () => void apiListener(req, res));
  });

  const { attachRealtime } = await import('./emulator/attach.js');
  const realtime = await attachRealtime(server, { config, keyStore, personas, log, origins });
  realtimeCalls = realtime.calls;
  closers.push(() => realtime.close());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${hostForUrl}:${port}`;
  ownOrigins = [url, `http://localhost:${port}`, `http://127.0.0.1:${port}`];

  if (options.watchPersonas ?? options.demo) personas.watch();

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    config: { ...config, port },
    keyStore,
    personas,
    dropRealtimeConnections: () => realtime.dropConnections(),
    close() {
      closed ??= (async () => {
        personas.close();
        for (const close of closers.reverse()) await close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closed;
    },
  };
}
