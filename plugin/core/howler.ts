// The plugin's only contact with howler.js, which stays an optional peer: it reads the `Howler` global that howler.js
// sets on `window`, never imports the package.
import type { DuckableHowl } from '../audioBackend.js';

/** Howler's context and master gain. */
export interface HowlerAudio {
  ctx: AudioContext;
  masterGain: GainNode;
}

/** The `Howler` global as an untyped record, or null when howler.js is not loaded. */
function howlerRecord(): Record<string, unknown> | null {
  const h = (globalThis as { Howler?: unknown }).Howler;
  return typeof h === 'object' && h !== null ? (h as Record<string, unknown>) : null;
}

/** Howler's Web Audio context and master gain, once Howler has created them. */
export function howlerAudio(): HowlerAudio | null {
  const h = howlerRecord();
  if (!h) return null;
  const { ctx, masterGain } = h;
  if (typeof ctx !== 'object' || ctx === null || typeof masterGain !== 'object' || masterGain === null) return null;
  if (!('createGain' in ctx) || !('connect' in masterGain)) return null;
  return { ctx: ctx as AudioContext, masterGain: masterGain as GainNode };
}

/** Every Howl that howler.js knows now (its global sound list): what ducks by default. */
export function howlerSounds(): readonly DuckableHowl[] {
  const howls = howlerRecord()?._howls;
  if (!Array.isArray(howls)) return [];
  return howls.filter((h): h is DuckableHowl => typeof h === 'object' && h !== null && typeof h.volume === 'function' && typeof h.fade === 'function');
}

/**
 * Howler suspends its AudioContext after 30 s without a Howl playing (`Howler.autoSuspend`), which would silence
 * the NPC voices and the microphone that share it, Howler not knowing about them. When the plugin plays in
 * Howler's context it turns that off.
 */
export function keepHowlerAwake(context: AudioContext): void {
  const h = howlerRecord();
  if (h && h.ctx === context && h.autoSuspend === true) h.autoSuspend = false;
}
