// Public entry point of phaser-npc-voice. Curated: nothing is exported by accident.
export { NpcVoicePlugin, createNpcVoicePlugin, type NpcVoicePluginEntry, type NpcSprite } from './adapters/phaser/NpcVoicePlugin.js';
export { NpcBinding } from './core/NpcBinding.js';
export type { NpcState, NpcUsage, ConversationLine, NpcVoiceErrorCode, NpcVoiceWarningCode, NpcVoiceConfigErrorCode, NpcSessionErrorCode, MintErrorCode, MintEndpointCode } from './types.js';
export { NpcVoiceEvents, type NpcVoiceEventMap, type NpcVoiceEventName } from './core/events.js';
export { defineGameTool, type GameTool, type GameToolContext, type ToolNpcInfo } from './tools/defineGameTool.js';
export { NpcVoiceError, NpcVoiceConfigError, MintError, ToolError, NpcSessionError } from './errors.js';
export type { NpcVoiceOptions } from './adapters/phaser/options.js';
export type { NpcVoiceDuckOptions } from './core/options.js';
export type { Positioned } from './core/host.js';
export type { ShowOptions, SnapshotFrame } from './core/snapshot.js';
export { webAudioBackend, VoiceMixer, NpcVoice, MicCapture, MicUnavailableError } from './audio/index.js';
export type { AudioBackend, VoiceOutput, VoiceMixerLike, MicSource, MicUnavailableReason, DuckableHowl, DuckTarget } from './audioBackend.js';
export type { EphemeralKey } from './session/mintClient.js';
export { parsePersona, parsePersonaJson, PersonaError, type PersonaIssue, type PersonaParseResult } from './shared/parsePersona.js';
export type { Persona, PersonaInput } from './shared/personaSchema.js';
export { personaSessionConfig, type PersonaSessionConfig } from './shared/sessionConfig.js';
