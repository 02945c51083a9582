import type { LocalVoice } from '../../../plugin/shared/personaSchema.js';

/**
 * The flite voice that stands in for each OpenAI voice in a session with no persona (a persona has its own
 * `localVoice`): the lower voices get the male flite voices, the others `slt`, so a caller can hear which voice the
 * session asked for.
 */
const FLITE_FOR_VOICE: Readonly<Record<string, LocalVoice['voice']>> = {
  ash: 'rms',
  ballad: 'awb',
  cedar: 'rms',
  echo: 'kal16',
  verse: 'awb',
};

/** The local voice a persona-less session speaks with for the OpenAI `voice` it asked for (`fallback` for the rest). */
export function localVoiceFor(voice: string, fallback: LocalVoice): LocalVoice {
  const flite = FLITE_FOR_VOICE[voice];
  return flite === undefined || flite === fallback.voice ? fallback : { ...fallback, voice: flite };
}
