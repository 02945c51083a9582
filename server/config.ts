import { z } from 'zod';
import { DEFAULT_REALTIME_MODEL } from '../plugin/shared/sessionConfig.js';
import { parseNetworkConditions, type NetworkConditions } from './emulator/network/networkConditions.js';
import { DEFAULT_OPEN_VOCABULARY_MODEL_DIR } from './emulator/speech/openVocabularyStt.js';

/** Where minted keys come from: the local emulator (no key configured) or OpenAI. */
export type ServerMode = 'emulator' | 'openai';

/**
 * TLS on the HTTP port (HTTPS and WSS beside HTTP and WS, told apart by each connection's first byte): off, a loopback
 * certificate generated once per machine, or the developer's own certificate and key files.
 */
export type TlsSetting = { kind: 'off' } | { kind: 'loopback' } | { kind: 'files'; certPath: string; keyPath: string };

/** Server configuration, from the environment and command-line flags. */
export interface ServerConfig {
  mode: ServerMode;
  host: string;
  port: number;
  /**
   * The browser-facing base URL (`https://game.example`), when the server sits behind a proxy or TLS terminator:
   * minted answers then point the browser at it (`wss://…`, `https://…`) instead of at the request's own host.
   */
  publicUrl: string | undefined;
  /** Trust `X-Forwarded-For` (rate-limit key) and `X-Forwarded-Proto`/`-Host` (answer URLs): only behind a proxy. */
  trustProxy: boolean;
  /** Whether pages on loopback origins (a game's dev server on any port, see `isLoopbackOrigin`) may mint: emulator mode outside production only. */
  allowDevOrigins: boolean;
  /** Real API key; only in `openai` mode. Never logged, never sent to a client. */
  openaiApiKey: string | undefined;
  openaiBaseUrl: string;
  model: string;
  /**
   * Extra browser origins allowed to mint keys and to open emulator sessions (WebSocket upgrade and
   * `/v1/realtime/calls`), besides the server's own and the demo dev server's (`http://localhost:5173`).
   */
  allowedOrigins: string[];
  /** Mints per minute per client address. */
  rateLimitPerMinute: number;
  /** Lifetime of minted keys, seconds (10–600). */
  keyTtlSeconds: number;
  /** How long to wait for upstream before answering 502. */
  upstreamTimeoutMs: number;
  personaDir: string | undefined;
  /** Emulator: most concurrent Realtime sessions, WebSocket and WebRTC each (then refused with 429). */
  maxSessions: number;
  /** Emulator: most concurrent sessions started with one key (WebSocket and WebRTC together). */
  maxSessionsPerKey: number;
  /** Emulator: most concurrent sessions from one remote address (WebSocket and WebRTC together). */
  maxSessionsPerClient: number;
  /** Emulator: longest `session.instructions` accepted, characters (longer gets an `error` event or a 400). */
  maxInstructionsChars: number;
  /** Emulator: longest text synthesized in one flite call, characters (longer sentences are split). */
  maxUtteranceChars: number;
  /** Emulator: worker threads running flite. */
  ttsWorkers: number;
  /** Emulator: most audio bytes one session's conversation keeps (older items then keep only transcripts). */
  maxSessionAudioBytes: number;
  /** Emulator: a WebSocket with no session traffic (client or server events) for this long is closed (code 1008). */
  wsIdleTimeoutMs: number;
  /** Emulator: how often session WebSockets are pinged; one that missed the previous pong is dropped. */
  wsPingIntervalMs: number;
  /** Emulator: how often expired keys are forgotten. */
  keySweepIntervalMs: number;
  /** Emulator: network conditions rehearsed on every WebSocket session (`NPC_VOICE_NETEM`); null: none. */
  netem: NetworkConditions | null;
  /** Emulator: directory where every session is recorded as a cassette (`NPC_VOICE_RECORD`); unset: none. */
  recordDir: string | undefined;
  /** Emulator: directory of cassettes WebSocket sessions are served from instead of the engine (`NPC_VOICE_REPLAY`). */
  replayDir: string | undefined;
  /**
   * Where state shared across requests, restarts and instances is kept (`NPC_VOICE_STORE`): `redis://…` (every
   * instance counts one player's mints together), a JSON file path, or `memory`; unset: this process's memory.
   */
  store: string | undefined;
  /**
   * Emulator: model directory of the open-vocabulary second pass for off-script speech (`NPC_VOICE_OPEN_VOCABULARY`;
   * default Debian's `pocketsphinx-en-us`); null (`off`): the grammar alone, off-script speech is not transcribed.
   */
  openVocabularyModel: string | null;
  /** Emulator: UDP port of the SIP interface (phone calls into the emulator); undefined: no SIP. */
  sipPort: number | undefined;
  /** Emulator: address the SIP interface (and its RTP) binds to. */
  sipHost: string;
  /** Emulator: where `realtime.call.incoming` is POSTed; undefined: this server's own phone route. */
  sipWebhookUrl: string | undefined;
  /** The secret `realtime.call.incoming` webhooks are signed with (`OPENAI_WEBHOOK_SECRET`); emulator default: a new one per start. */
  webhookSecret: string | undefined;
  /** HTTP: longest wait for a request's headers (Node's `headersTimeout`). */
  headersTimeoutMs: number;
  /** HTTP: longest wait for a whole request (Node's `requestTimeout`). */
  requestTimeoutMs: number;
  /** HTTP: how long an idle keep-alive connection stays open (Node's `keepAliveTimeout`). */
  keepAliveTimeoutMs: number;
  /**
   * Relay mode (`NPC_VOICE_RELAY=1`, `serve --relay`): the server is in the path of every session. The mint answers a
   * one-time token instead of an upstream key; WebSocket sessions go through the relay (`/api/npc-voice/realtime`)
   * and WebRTC calls through the unified interface (`POST /api/npc-voice/calls`), so server policies see them all.
   */
  relay: boolean;
  /** TLS on the same port (`NPC_VOICE_TLS`, `NPC_VOICE_TLS_CERT`, `NPC_VOICE_TLS_KEY`); default: loopback in emulator mode. */
  tls: TlsSetting;
}

/** Thrown for a bad environment variable or flag, naming it and what it accepts. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  override readonly name = 'ConfigError';
}

const intIn = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

const EnvSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: intIn('PORT', 0, 65_535).optional(),
  NPC_VOICE_MODE: z.enum(['openai', 'emulator'], { error: 'NPC_VOICE_MODE must be "openai" or "emulator"' }).optional(),
  NPC_VOICE_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'NPC_VOICE_PUBLIC_URL must be an http:// or https:// URL' })
    .optional(),
  NPC_VOICE_TRUST_PROXY: z.enum(['1', '0', 'true', 'false'], { error: 'NPC_VOICE_TRUST_PROXY must be 1 or 0' }).optional(),
  OPENAI_API_KEY: z.string().trim().min(1).optional(),
  OPENAI_BASE_URL: z.url({ error: 'OPENAI_BASE_URL must be a URL' }).default('https://api.openai.com/v1'),
  NPC_VOICE_MODEL: z.string().min(1).default(DEFAULT_REALTIME_MODEL),
  NPC_VOICE_ALLOWED_ORIGINS: z.string().default(''),
  NPC_VOICE_RATE_LIMIT: intIn('NPC_VOICE_RATE_LIMIT', 1, 100_000).default(30),
  NPC_VOICE_KEY_TTL_S: intIn('NPC_VOICE_KEY_TTL_S', 10, 600).default(60),
  NPC_VOICE_UPSTREAM_TIMEOUT_MS: intIn('NPC_VOICE_UPSTREAM_TIMEOUT_MS', 100, 120_000).default(10_000),
  NPC_VOICE_PERSONA_DIR: z.string().min(1).optional(),
  NPC_VOICE_STORE: z.string().min(1).optional(),
  NPC_VOICE_MAX_SESSIONS: intIn('NPC_VOICE_MAX_SESSIONS', 1, 10_000).default(200),
  NPC_VOICE_MAX_SESSIONS_PER_KEY: intIn('NPC_VOICE_MAX_SESSIONS_PER_KEY', 1, 10_000).default(4),
  NPC_VOICE_MAX_SESSIONS_PER_CLIENT: intIn('NPC_VOICE_MAX_SESSIONS_PER_CLIENT', 1, 10_000).default(20),
  NPC_VOICE_MAX_INSTRUCTIONS_CHARS: intIn('NPC_VOICE_MAX_INSTRUCTIONS_CHARS', 1_000, 1_000_000).default(32_768),
  NPC_VOICE_MAX_UTTERANCE_CHARS: intIn('NPC_VOICE_MAX_UTTERANCE_CHARS', 40, 5_000).default(300),
  NPC_VOICE_TTS_WORKERS: intIn('NPC_VOICE_TTS_WORKERS', 1, 16).default(1),
  NPC_VOICE_MAX_SESSION_AUDIO_BYTES: intIn('NPC_VOICE_MAX_SESSION_AUDIO_BYTES', 48_000, 1024 * 1024 * 1024).default(8 * 1024 * 1024),
  NPC_VOICE_WS_IDLE_TIMEOUT_MS: intIn('NPC_VOICE_WS_IDLE_TIMEOUT_MS', 50, 86_400_000).default(600_000),
  NPC_VOICE_WS_PING_INTERVAL_MS: intIn('NPC_VOICE_WS_PING_INTERVAL_MS', 50, 3_600_000).default(30_000),
  NPC_VOICE_NETEM: z.string().optional(),
  NPC_VOICE_RECORD: z.string().trim().min(1, 'NPC_VOICE_RECORD must be a directory path').optional(),
  NPC_VOICE_REPLAY: z.string().trim().min(1, 'NPC_VOICE_REPLAY must be a directory path').optional(),
  NPC_VOICE_OPEN_VOCABULARY: z.string().trim().min(1, 'NPC_VOICE_OPEN_VOCABULARY must be "off" or a model directory').optional(),
  NPC_VOICE_SIP_PORT: intIn('NPC_VOICE_SIP_PORT', 0, 65_535).optional(),
  NPC_VOICE_SIP_HOST: z.string().min(1).default('127.0.0.1'),
  NPC_VOICE_SIP_WEBHOOK_URL: z.url({ protocol: /^https?$/, error: 'NPC_VOICE_SIP_WEBHOOK_URL must be an http:// or https:// URL' }).optional(),
  OPENAI_WEBHOOK_SECRET: z.string().min(1).optional(),
  NPC_VOICE_KEY_SWEEP_MS: intIn('NPC_VOICE_KEY_SWEEP_MS', 10, 86_400_000).default(60_000),
  NPC_VOICE_HEADERS_TIMEOUT_MS: intIn('NPC_VOICE_HEADERS_TIMEOUT_MS', 50, 600_000).default(10_000),
  NPC_VOICE_REQUEST_TIMEOUT_MS: intIn('NPC_VOICE_REQUEST_TIMEOUT_MS', 50, 600_000).default(30_000),
  NPC_VOICE_KEEP_ALIVE_TIMEOUT_MS: intIn('NPC_VOICE_KEEP_ALIVE_TIMEOUT_MS', 50, 600_000).default(5_000),
  NPC_VOICE_RELAY: z.enum(['1', '0', 'true', 'false'], { error: 'NPC_VOICE_RELAY must be 1 or 0' }).optional(),
  NPC_VOICE_TLS: z.enum(['on', 'off', '1', '0', 'true', 'false'], { error: 'NPC_VOICE_TLS must be on or off' }).optional(),
  NPC_VOICE_TLS_CERT: z.string().trim().min(1, 'NPC_VOICE_TLS_CERT must be a file path').optional(),
  NPC_VOICE_TLS_KEY: z.string().trim().min(1, 'NPC_VOICE_TLS_KEY must be a file path').optional(),
});

/**
 * Picks the mode: `NPC_VOICE_MODE` when set; otherwise OpenAI with a key, the emulator without one outside
 * production. Production with neither is refused: a missing key must not quietly put players on the emulator.
 */
function chooseMode(mode: ServerMode | undefined, hasKey: boolean, production: boolean): ServerMode {
  if (mode === 'openai' && !hasKey) {
    throw new ConfigError('NPC_VOICE_MODE=openai needs OPENAI_API_KEY: set it to your OpenAI API key (sk-…)');
  }
  if (mode) return mode;
  if (hasKey) return 'openai';
  if (production) {
    throw new ConfigError(
      'OPENAI_API_KEY is not set and NODE_ENV=production: set OPENAI_API_KEY, or NPC_VOICE_MODE=emulator to run the local emulator on purpose',
    );
  }
  return 'emulator';
}

/**
 * Record and replay are emulator features that exclude each other: a replayed session would record a copy of its
 * cassette. In openai mode the browser talks to OpenAI directly, so the server carries no session it could record.
 */
function checkRecordReplay(record: string | undefined, replay: string | undefined, mode: ServerMode): void {
  if (record !== undefined && replay !== undefined) {
    throw new ConfigError('NPC_VOICE_RECORD and NPC_VOICE_REPLAY cannot both be set: record sessions first, then replay the directory');
  }
  if (mode === 'emulator') return;
  const variable = record !== undefined ? 'NPC_VOICE_RECORD' : replay !== undefined ? 'NPC_VOICE_REPLAY' : null;
  if (variable) {
    throw new ConfigError(
      `${variable} needs the emulator: in openai mode browsers talk to OpenAI directly and no session passes through this server; unset ${variable} or set NPC_VOICE_MODE=emulator`,
    );
  }
}

/**
 * TLS is on by default in emulator mode (the official clients only speak `wss://`/`https://` to a Realtime server) and
 * off in openai mode (a TLS terminator usually sits in front); a certificate given without its key (or with TLS off)
 * is refused rather than ignored.
 */
function chooseTls(flag: string | undefined, certPath: string | undefined, keyPath: string | undefined, mode: ServerMode): TlsSetting {
  const off = flag === 'off' || flag === '0' || flag === 'false';
  if ((certPath === undefined) !== (keyPath === undefined)) {
    const missing = certPath === undefined ? 'NPC_VOICE_TLS_CERT' : 'NPC_VOICE_TLS_KEY';
    throw new ConfigError(`${missing} is not set: NPC_VOICE_TLS_CERT and NPC_VOICE_TLS_KEY go together (a PEM certificate and its private key)`);
  }
  if (certPath !== undefined && keyPath !== undefined) {
    if (off) throw new ConfigError('NPC_VOICE_TLS=off but NPC_VOICE_TLS_CERT is set: unset one of them');
    return { kind: 'files', certPath, keyPath };
  }
  if (off) return { kind: 'off' };
  return flag !== undefined || mode === 'emulator' ? { kind: 'loopback' } : { kind: 'off' };
}

/**
 * Reads the configuration from environment variables plus flags (a flag wins over its variable: `--port` over `PORT`,
 * `--relay` over `NPC_VOICE_RELAY`).
 * @throws ConfigError naming the variable and the accepted values, and when no mode can be chosen safely (see
 *   `NPC_VOICE_MODE`).
 */
export function readConfig(env: Record<string, string | undefined>, flags: { host?: string; port?: number; relay?: boolean } = {}): ServerConfig {
  // An empty variable means "not set", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`).join('; '));
  }
  const e = parsed.data;
  // Node refuses a headers timeout longer than the request timeout.
  if (e.NPC_VOICE_HEADERS_TIMEOUT_MS > e.NPC_VOICE_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `NPC_VOICE_HEADERS_TIMEOUT_MS (${e.NPC_VOICE_HEADERS_TIMEOUT_MS}) must not be longer than NPC_VOICE_REQUEST_TIMEOUT_MS (${e.NPC_VOICE_REQUEST_TIMEOUT_MS})`,
    );
  }
  let netem: NetworkConditions | null = null;
  try {
    netem = e.NPC_VOICE_NETEM === undefined ? null : parseNetworkConditions(e.NPC_VOICE_NETEM);
  } catch (error) {
    throw new ConfigError(`NPC_VOICE_NETEM: ${(error as Error).message.replace(/^netem: /, '')}`);
  }
  const production = e.NODE_ENV === 'production';
  const mode = chooseMode(e.NPC_VOICE_MODE, e.OPENAI_API_KEY !== undefined, production);
  checkRecordReplay(e.NPC_VOICE_RECORD, e.NPC_VOICE_REPLAY, mode);
  return {
    mode,
    host: flags.host ?? '127.0.0.1',
    port: flags.port ?? e.PORT ?? 8787,
    publicUrl: e.NPC_VOICE_PUBLIC_URL?.replace(/\/+$/, ''),
    trustProxy: e.NPC_VOICE_TRUST_PROXY === '1' || e.NPC_VOICE_TRUST_PROXY === 'true',
    allowDevOrigins: mode === 'emulator' && !production,
    openaiApiKey: e.OPENAI_API_KEY,
    openaiBaseUrl: e.OPENAI_BASE_URL.replace(/\/+$/, ''),
    model: e.NPC_VOICE_MODEL,
    allowedOrigins: e.NPC_VOICE_ALLOWED_ORIGINS.split(',')
      .map((origin) => origin.trim().replace(/\/+$/, ''))
      .filter(Boolean),
    rateLimitPerMinute: e.NPC_VOICE_RATE_LIMIT,
    keyTtlSeconds: e.NPC_VOICE_KEY_TTL_S,
    upstreamTimeoutMs: e.NPC_VOICE_UPSTREAM_TIMEOUT_MS,
    personaDir: e.NPC_VOICE_PERSONA_DIR,
    maxSessions: e.NPC_VOICE_MAX_SESSIONS,
    maxSessionsPerKey: e.NPC_VOICE_MAX_SESSIONS_PER_KEY,
    maxSessionsPerClient: e.NPC_VOICE_MAX_SESSIONS_PER_CLIENT,
    maxInstructionsChars: e.NPC_VOICE_MAX_INSTRUCTIONS_CHARS,
    maxUtteranceChars: e.NPC_VOICE_MAX_UTTERANCE_CHARS,
    ttsWorkers: e.NPC_VOICE_TTS_WORKERS,
    maxSessionAudioBytes: e.NPC_VOICE_MAX_SESSION_AUDIO_BYTES,
    wsIdleTimeoutMs: e.NPC_VOICE_WS_IDLE_TIMEOUT_MS,
    wsPingIntervalMs: e.NPC_VOICE_WS_PING_INTERVAL_MS,
    keySweepIntervalMs: e.NPC_VOICE_KEY_SWEEP_MS,
    netem,
    recordDir: e.NPC_VOICE_RECORD,
    replayDir: e.NPC_VOICE_REPLAY,
    store: e.NPC_VOICE_STORE,
    openVocabularyModel: e.NPC_VOICE_OPEN_VOCABULARY === 'off' ? null : (e.NPC_VOICE_OPEN_VOCABULARY ?? DEFAULT_OPEN_VOCABULARY_MODEL_DIR),
    sipPort: e.NPC_VOICE_SIP_PORT,
    sipHost: e.NPC_VOICE_SIP_HOST,
    sipWebhookUrl: e.NPC_VOICE_SIP_WEBHOOK_URL,
    webhookSecret: e.OPENAI_WEBHOOK_SECRET,
    headersTimeoutMs: e.NPC_VOICE_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.NPC_VOICE_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: e.NPC_VOICE_KEEP_ALIVE_TIMEOUT_MS,
    relay: flags.relay ?? (e.NPC_VOICE_RELAY === '1' || e.NPC_VOICE_RELAY === 'true'),
    tls: chooseTls(e.NPC_VOICE_TLS, e.NPC_VOICE_TLS_CERT, e.NPC_VOICE_TLS_KEY, mode),
  };
}
