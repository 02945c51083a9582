import type http from 'node:http';
import type { ServerConfig } from '../config.js';
import type { PersonaRegistry } from '../personas/PersonaRegistry.js';
import type { LogFn } from '../redact.js';
import type { KeyStore } from './keyStore.js';

/** What the server needs to mount the emulator's Realtime endpoints. */
export interface AttachOptions {
  config: ServerConfig;
  keyStore: KeyStore;
  personas: PersonaRegistry;
  log: LogFn;
}

/**
 * Mounts the local Realtime emulator (`GET /v1/realtime` WebSocket) on the server, with local speech engines.
 * The WebSocket endpoint arrives with the emulator issue; until then nothing is mounted.
 */
export async function attachRealtime(_server: http.Server, _options: AttachOptions): Promise<{ close(): Promise<void> }> {
  return { close: async () => {} };
}
