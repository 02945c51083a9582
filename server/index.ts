// `phaser-npc-voice/server`: what a game's Node backend imports. Curated: nothing is exported by accident.
export { createNpcVoiceServer, type CreateServerOptions, type NpcVoiceServer } from './createServer.js';
export {
  attachNpcVoice,
  type AttachNpcVoiceOptions,
  type NpcVoiceAttachment,
  type NpcVoiceMiddleware,
} from './attachNpcVoice.js';
export {
  createMintHandler,
  DEFAULT_MINT_PATH,
  MAX_MINT_BODY_BYTES,
  type AuthorizeResult,
  type MintContext,
  type MintHandler,
  type MintHandlerOptions,
  type MintUpstream,
} from './mint/createMintHandler.js';
export type { HttpUpstreamOptions } from './mint/upstream.js';
export { toNodeListener } from './mint/toNodeListener.js';
export { ConfigError, readConfig, type ServerConfig, type ServerMode } from './config.js';
export { createOriginPolicy, DEV_ORIGINS, type OriginPolicy } from './originPolicy.js';
export { PersonaRegistry } from './personas/PersonaRegistry.js';
export { DEFAULT_PERSONA_DIR, loadPersonas, type PersonaMap } from './personas/loadPersonas.js';
export type { KeyStore } from './emulator/keyStore.js';
export {
  DEFAULT_STORE_FILE,
  FileStore,
  MemoryStore,
  RedisMissingError,
  RedisStore,
  StoreFileError,
  openStore,
  type NpcVoiceStore,
  type WindowCount,
} from './store/index.js';
export {
  CASSETTE_EXTENSION,
  CassetteError,
  cassetteEvents,
  clientEvents,
  parseCassette,
  readCassette,
  serverEvents,
  type Cassette,
  type CassetteDirection,
  type CassetteEntry,
  type CassetteHeader,
} from './emulator/record/cassette.js';
export { CassetteReplay, type RecordedEvent, type ReplayAnswer, type ReplayMismatch } from './emulator/record/CassetteReplay.js';
export { EmulatorEnginesMissingError, ENGINES_INSTALL_COMMAND, missingEmulatorEngines } from './emulator/engines.js';
export type { LogFn } from './redact.js';
export {
  applyPolicies,
  ControlledSessionBase,
  openSidebandSession,
  type ClientEventVerdict,
  type ControlChannel,
  type ControlClientEvent,
  type ControlledSession,
  type ObservedServerEvent,
  type SessionIdentity,
  type SessionPolicy,
  type SidebandTarget,
} from './control/ControlledSession.js';
export type { ServerControlOptions } from './control/ServerControlOptions.js';
export type { MintChannels } from './mint/createMintHandler.js';
export type { Persona } from '../plugin/shared/personaSchema.js';
