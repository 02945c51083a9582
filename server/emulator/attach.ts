import type http from 'node:http';
import type { ServerConfig } from '../config.js';
import type { PersonaRegistry } from '../personas/PersonaRegistry.js';
import type { LogFn } from '../redact.js';
import { CachingTts } from './CachingTts.js';
import type { KeyStore } from './keyStore.js';
import { attachRealtimeEmulator } from './realtimeEndpoint.js';
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
 * Mounts the local Realtime emulator (`GET /v1/realtime` WebSocket) with the local speech engines, in emulator mode
 * only: in `openai` mode clients talk to OpenAI and the speech models would only cost memory.
 */
export async function attachRealtime(server: http.Server, options: AttachOptions): Promise<{ close(): Promise<void> }> {
  if (options.config.mode !== 'emulator') return { close: async () => {} };
  const [flite, stt] = await Promise.all([createFliteTts({ warmUp: true }), createSphinxStt()]);
  const emulator = attachRealtimeEmulator(server, {
    keyStore: options.keyStore,
    personas: () => options.personas.all(),
    tts: new CachingTts(flite),
    stt,
    // Emulator mode has no real keys to protect: server-side clients may use any bearer; ek_ keys are still checked.
    acceptAnyBearer: true,
    defaultModel: options.config.model,
    log: options.log,
  });
  return {
    async close() {
      await emulator.close();
      flite.dispose();
      stt.dispose();
    },
  };
}
