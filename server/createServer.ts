import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachNpcVoice } from './attachNpcVoice.js';
import type { ServerControlOptions } from './control/ServerControlOptions.js';
import type { ServerConfig } from './config.js';
import type { KeyStore } from './emulator/keyStore.js';
import type { PersonaRegistry } from './personas/PersonaRegistry.js';
import type { LogFn } from './redact.js';
import { tlsCredentials } from './tls/tlsCredentials.js';
import { serveTlsOnSamePort, type TlsOnSamePort } from './tls/tlsOnSamePort.js';

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
  /** Server-side control of relayed sessions: see `AttachNpcVoiceOptions.control`. */
  control?: ServerControlOptions;
}

/** A running server. */
export interface NpcVoiceServer {
  /** `http://host:port` */
  readonly url: string;
  /** `https://host:port`: the same port over TLS (WSS too), unless TLS is off (`NPC_VOICE_TLS=off`). */
  readonly httpsUrl: string | undefined;
  /**
   * The PEM certificate the TLS side serves, for clients to trust (`NODE_EXTRA_CA_CERTS=<path>`, or `ca:` in a
   * client's TLS options); undefined when TLS is off.
   */
  readonly tlsCertPath: string | undefined;
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
  /** UDP port of the emulator's SIP interface (`NPC_VOICE_SIP_PORT`; 0 there picks a free one), else undefined. */
  readonly sipPort: number | undefined;
  /** Stops listening, closes sockets and watchers. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the server: key minting, health, the local Realtime emulator and (with `demo`) the demo game; built on
 * {@link attachNpcVoice} over its own HTTP server.
 * @throws when the persona folder is invalid or the port is taken.
 * @example
 * const server = await createNpcVoiceServer({ config: readConfig(process.env, { port: 0 }) });
 * console.log(server.url);
 */
export async function createNpcVoiceServer(options: CreateServerOptions): Promise<NpcVoiceServer> {
  const { config } = options;
  // Timeouts so that a client that opens TCP connections and sends nothing (or trickles a request) cannot hold them:
  // Node checks them every `connectionsCheckingInterval`, so that follows the shortest one.
  const server = http.createServer({
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 4))),
  });
  // Before anything listens for connections: each new one is sniffed, TLS decrypted, then handed to the HTTP server.
  const credentials = await tlsCredentials(config.tls);
  let tls: TlsOnSamePort | undefined;
  if (credentials) tls = serveTlsOnSamePort(server, { cert: credentials.cert, key: credentials.key, timeoutMs: config.headersTimeoutMs });
  const voice = await attachNpcVoice(server, {
    config,
    ...(options.log ? { log: options.log } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.control ? { control: options.control } : {}),
    watchPersonas: options.watchPersonas ?? options.demo === true,
  });

  const closers: (() => Promise<void> | void)[] = [() => voice.close()];
  let demoMiddleware: ((req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void) | undefined;
  if (options.demo) {
    const { startDemoMiddleware } = await import('./demo.js');
    const demo = await startDemoMiddleware(server);
    demoMiddleware = demo.middleware;
    closers.push(() => demo.close());
  }

  server.on('request', (req, res) => {
    const path = req.url ?? '/';
    // API paths the attachment does not own still get its JSON 404, never the demo's SPA page.
    const isApi = path.startsWith('/api/') || path.startsWith('/v1/');
    if (isApi || !demoMiddleware) {
      voice.middleware(req, res);
      return;
    }
    const demo = demoMiddleware;
    voice.middleware(req, res, () => demo(req, res, () => voice.middleware(req, res)));
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    for (const close of closers.reverse()) await close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${hostForUrl}:${port}`;
  const httpsUrl = credentials ? `https://${hostForUrl}:${port}` : undefined;

  let closed: Promise<void> | undefined;
  return {
    url,
    httpsUrl,
    tlsCertPath: credentials?.certPath,
    port,
    config: { ...config, port },
    keyStore: voice.keyStore,
    personas: voice.personas,
    dropRealtimeConnections: () => voice.dropRealtimeConnections(),
    get sipPort() {
      return voice.sipPort;
    },
    close() {
      closed ??= (async () => {
        for (const close of closers.reverse()) await close();
        server.closeAllConnections();
        tls?.destroyPending();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })();
      return closed;
    },
  };
}
