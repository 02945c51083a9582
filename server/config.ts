import { z } from 'zod';
import { DEFAULT_REALTIME_MODEL } from '../plugin/shared/sessionConfig.js';

/** Where minted keys come from: the local emulator (no key configured) or OpenAI. */
export type ServerMode = 'emulator' | 'openai';

/** Server configuration, from the environment and command-line flags. */
export interface ServerConfig {
  mode: ServerMode;
  host: string;
  port: number;
  /** Real API key; only in `openai` mode. Never logged, never sent to a client. */
  openaiApiKey: string | undefined;
  openaiBaseUrl: string;
  model: string;
  /** Extra origins allowed to mint keys, besides the server's own and the demo dev server's. */
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
  OPENAI_API_KEY: z.string().trim().min(1).optional(),
  OPENAI_BASE_URL: z.url({ error: 'OPENAI_BASE_URL must be a URL' }).default('https://api.openai.com/v1'),
  NPC_VOICE_MODEL: z.string().min(1).default(DEFAULT_REALTIME_MODEL),
  NPC_VOICE_ALLOWED_ORIGINS: z.string().default(''),
  NPC_VOICE_RATE_LIMIT: intIn('NPC_VOICE_RATE_LIMIT', 1, 100_000).default(30),
  NPC_VOICE_KEY_TTL_S: intIn('NPC_VOICE_KEY_TTL_S', 10, 600).default(60),
  NPC_VOICE_UPSTREAM_TIMEOUT_MS: intIn('NPC_VOICE_UPSTREAM_TIMEOUT_MS', 100, 120_000).default(10_000),
  NPC_VOICE_PERSONA_DIR: z.string().min(1).optional(),
  NPC_VOICE_MAX_SESSIONS: intIn('NPC_VOICE_MAX_SESSIONS', 1, 10_000).default(200),
});

/**
 * Reads the configuration from environment variables plus flags.
 * @throws ConfigError naming the variable and the accepted values.
 */
export function readConfig(env: Record<string, string | undefined>, flags: { host?: string; port?: number } = {}): ServerConfig {
  // An empty variable means "not set", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`).join('; '));
  }
  const e = parsed.data;
  return {
    mode: e.OPENAI_API_KEY ? 'openai' : 'emulator',
    host: flags.host ?? '127.0.0.1',
    port: flags.port ?? 8787,
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
  };
}
