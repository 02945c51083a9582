import type http from 'node:http';
import type { ServerConfig } from '../config.js';
import type { PersonaRegistry } from '../personas/PersonaRegistry.js';
import type { LogFn } from '../redact.js';
import { CachingTts } from './CachingTts.js';
import type { KeyStore } from './keyStore.js';
import { attachRealtimeEmulator } from './realtimeEndpoint.js';
import { RealtimeCalls } from './webrtc/RealtimeCalls.js';
import { createFliteTts } from './speech/fliteTts.js';
import { createSphinxStt } from './speech/sphinxStt.js';

/** What the server needs to mount the emulator's Realtime endpoints. */
export interface AttachOptions {
  config: ServerConfig;
  keyStore: KeyStore;
  personas: PersonaRegistry;
  log: LogFn;
}

/**
 * Mounts the local Realtime emulator (`GET /v1/realtime` WebSocket, plus the WebRTC calls that the HTTP app routes to
 * `calls`) with the local speech engines, in emulator mode only: in `openai` mode clients talk to OpenAI and the
 * speech models would only cost memory.
 */
export async function attachRealtime(
  server: http.Server,
  options: AttachOptions,
): Promise<{ close(): Promise<void>; dropConnections(): number; calls?: RealtimeCalls }> {
  if (options.config.mode !== 'emulator') return { close: async () => {}, dropConnections: () => 0 };
  const [flite, stt] = await Promise.all([createFliteTts({ warmUp: true }), createSphinxStt()]);
  const shared = {
    keyStore: options.keyStore,
    personas: () => options.personas.all(),
    tts: new CachingTts(flite),
    stt,
    // Emulator mode has no real keys to protect: server-side clients may use any bearer; ek_ keys are still checked.
    acceptAnyBearer: true,
    defaultModel: options.config.model,
    log: options.log,
  };
  const emulator = attachRealtimeEmulator(server, { ...shared, maxSessions: options.config.maxSessions });
  // One engine per WebRTC call too; @roamhq/wrtc loads on the first call, so the server starts (and answers 501) without it.
  const calls = new RealtimeCalls({ ...shared, maxCalls: options.config.maxSessions });
  return {
    calls,
    dropConnections: () => emulator.dropConnections() + calls.dropAll(),
    async close() {
      await Promise.all([emulator.close(), calls.close()]);
      flite.dispose();
      stt.dispose();
    },
  };
}
