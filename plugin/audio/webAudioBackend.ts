import type { AudioBackend } from '../audioBackend.js';
import { MicCapture } from './MicCapture.js';
import { VoiceMixer } from './VoiceMixer.js';

/**
 * The browser audio layer, ready to pass as the plugin's `audio` option: one AudioWorklet stream player and HRTF
 * panner per NPC, and the microphone captured to PCM16 24 kHz.
 * @example
 * createNpcVoicePlugin({ audio: webAudioBackend, personas });
 */
export const webAudioBackend: AudioBackend = {
  createMixer: (options) => new VoiceMixer(options),
  openMic: (context, options) => MicCapture.open(context, options),
};
