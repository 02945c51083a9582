import type http from 'node:http';
import type { ServerConfig } from '../config.js';
import type { OriginPolicy } from '../originPolicy.js';
import type { PersonaRegistry } from '../personas/PersonaRegistry.js';
import type { LogFn } from '../redact.js';
import { CachingTts } from './CachingTts.js';
import type { KeyStore } from './keyStore.js';
import { attachRealtimeEmulator } from './realtimeEndpoint.js';
import { CassetteLibrary } from './record/CassetteLibrary.js';
import { SessionRecorder } from './record/SessionRecorder.js';
import { SessionAdmission } from './SessionAdmission.js';
import { createFliteWorkerPool } from './speech/FliteWorkerPool.js';
import { RealtimeCalls } from './webrtc/RealtimeCalls.js';
import { createSphinxStt } from './speech/sphinxStt.js';
import { createOpenVocabularyStt, type OpenVocabularyStt } from './speech/openVocabularyStt.js';
import type { SpeechToText } from './speech/types.js';
import { SipEndpoint } from './sip/SipEndpoint.js';
import { PHONE_WEBHOOK_PATH } from '../phone/phoneRoute.js';
import { listeningOrigin } from '../listeningOrigin.js';

/**
 * The recognizer's second pass for off-script speech, or undefined (with a log line saying what to install) when its
 * Debian packages are missing: the grammar still works, off-script speech is then not transcribed.
 */
async function startOpenVocabulary(modelDir: string | null, log: LogFn): Promise<OpenVocabularyStt | undefined> {
  if (modelDir === null) return undefined;
  try {
    return await createOpenVocabularyStt({ modelDir, log });
  } catch (error) {
    log(`emulator: off-script speech will not be transcribed (NPCs answer it with their fallback line): ${(error as Error).message}`);
    return undefined;
  }
}

/** What the server needs to mount the emulator's Realtime endpoints. */
export interface AttachOptions {
  config: ServerConfig;
  keyStore: KeyStore;
  personas: PersonaRegistry;
  log: LogFn;
  /** Browser origins allowed to open sessions. */
  origins: OriginPolicy;
  /** The secret the SIP interface signs `realtime.call.incoming` with. */
  webhookSecret: string;
}

/**
 * Mounts the local Realtime emulator (`GET /v1/realtime` WebSocket, plus the WebRTC calls that the HTTP app routes to
 * `calls`) with the local speech engines, in emulator mode only: in `openai` mode clients talk to OpenAI and the
 * speech models would only cost memory.
 */
export async function attachRealtime(
  server: http.Server,
  options: AttachOptions,
): Promise<{ close(): Promise<void>; dropConnections(): number; calls?: RealtimeCalls; sip?: SipEndpoint }> {
  if (options.config.mode !== 'emulator') return { close: async () => {}, dropConnections: () => 0 };
  const { config } = options;
  // A replay directory that cannot serve is a startup error naming NPC_VOICE_REPLAY, not a refusal per session.
  const [recorder, replay] = await Promise.all([
    config.recordDir !== undefined ? SessionRecorder.create(config.recordDir, options.log) : undefined,
    config.replayDir !== undefined ? CassetteLibrary.open(config.replayDir) : undefined,
  ]);
  // flite runs in worker threads: a long line synthesized on the main thread would stall every session.
  const [flite, grammarStt, openVocabulary] = await Promise.all([
    createFliteWorkerPool({ size: config.ttsWorkers, warmUp: true, log: options.log }),
    createSphinxStt(),
    startOpenVocabulary(config.openVocabularyModel, options.log),
  ]);
  const stt: SpeechToText = { start: (grammar) => grammarStt.start(grammar), ...(openVocabulary ? { openVocabulary } : {}) };
  const shared = {
    keyStore: options.keyStore,
    personas: () => options.personas.all(),
    tts: new CachingTts(flite),
    stt,
    // Only keys this emulator minted open sessions: any other bearer would let a script take every slot.
    acceptAnyBearer: false,
    netem: config.netem,
    defaultModel: config.model,
    log: options.log,
    admission: new SessionAdmission({ maxPerKey: config.maxSessionsPerKey, maxPerClient: config.maxSessionsPerClient }),
    limits: {
      maxInstructionsChars: config.maxInstructionsChars,
      maxUtteranceChars: config.maxUtteranceChars,
      maxStoredAudioBytes: config.maxSessionAudioBytes,
    },
    ...(recorder ? { recorder } : {}),
  };
  // One engine per WebRTC call too; @roamhq/wrtc loads on the first call, so the server starts (and answers 501) without it.
  const calls = new RealtimeCalls({ ...shared, maxCalls: config.maxSessions });
  // The SIP interface (phone calls), only with NPC_VOICE_SIP_PORT: it announces calls to this server's own phone route
  // unless another webhook is configured.
  const sip =
    config.sipPort === undefined
      ? undefined
      : new SipEndpoint({
          ...shared,
          host: config.sipHost,
          port: config.sipPort,
          maxCalls: config.maxSessions,
          webhook: () => ({ url: config.sipWebhookUrl ?? `${listeningOrigin(server)}${PHONE_WEBHOOK_PATH}`, secret: options.webhookSecret }),
        });
  await sip?.listen();
  const emulator = attachRealtimeEmulator(server, {
    ...shared,
    calls: () => calls,
    sipCalls: () => sip,
    maxSessions: config.maxSessions,
    origins: options.origins,
    idleTimeoutMs: config.wsIdleTimeoutMs,
    pingIntervalMs: config.wsPingIntervalMs,
    ...(replay ? { replay } : {}),
  });
  return {
    calls,
    ...(sip ? { sip } : {}),
    dropConnections: () => emulator.dropConnections() + calls.dropAll(),
    async close() {
      await Promise.all([emulator.close(), calls.close(), sip?.close()]);
      await Promise.all([flite.close(), openVocabulary?.close()]);
      grammarStt.dispose();
    },
  };
}
