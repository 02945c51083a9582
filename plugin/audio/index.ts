// Public entry of the audio layer: what a game passes as the plugin's `audio` backend, plus the pieces it may use
// directly (ducking, the worklet URLs for custom bundling).
export { VoiceMixer, type VoiceMixerOptions, type DuckOptions, type DuckTarget, type DuckableHowl } from './VoiceMixer.js';
export { NpcVoice } from './NpcVoice.js';
export { MicCapture, DEFAULT_MIC_CONSTRAINTS, type MicCaptureOptions } from './MicCapture.js';
export { MicUnavailableError } from './MicUnavailableError.js';
export { streamPlayerWorkletUrl, micCaptureWorkletUrl } from './workletUrls.js';
export { levelFromRms } from './level.js';
export { webAudioBackend } from './webAudioBackend.js';
