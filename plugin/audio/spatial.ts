import type { Spatial } from '../shared/personaSchema.js';

// Orientation of the 2D game in Web Audio's 3D space. The listener stands at the player's position and faces up
// the screen (−y, "north"), with Web Audio's default orientation (forward −z, up +y). So world x maps to audio x
// (an NPC left of the player is in the left ear) and world y maps to audio z (an NPC above the player is in front,
// one below is behind). Audio y (height) is always 0. Units stay pixels, so a persona's refDistance/maxDistance in
// px apply directly without any scale factor.

/** A point in Web Audio space (PannerNode / AudioListener coordinates). */
export interface AudioPoint {
  x: number;
  y: number;
  z: number;
}

/** Time constant (s) of setTargetAtTime for position changes: smooths 60 fps steps without audible lag. */
export const POSITION_SMOOTHING_S = 0.03;

/** Maps a world position (px, y down) to Web Audio coordinates, or null when either coordinate is not finite. */
export function worldToAudio(x: number, y: number): AudioPoint | null {
  if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
  return { x, y: 0, z: y };
}

/** Distance in px between a source and the listener, the value the PannerNode's distance model sees. */
export function distancePx(sourceX: number, sourceY: number, listenerX: number, listenerY: number): number {
  return Math.hypot(sourceX - listenerX, sourceY - listenerY);
}

/**
 * Which ear a source favours relative to a listener facing up the screen: −1 left, +1 right, 0 centred (or when a
 * coordinate is not finite).
 */
export function earSide(sourceX: number, sourceY: number, listenerX: number, listenerY: number): -1 | 0 | 1 {
  const s = worldToAudio(sourceX, sourceY);
  const l = worldToAudio(listenerX, listenerY);
  if (!s || !l) return 0;
  // With forward = −z and up = +y, the listener's right-hand direction is forward × up = +x.
  const right = s.x - l.x;
  return right < 0 ? -1 : right > 0 ? 1 : 0;
}

/** The PannerNode options for a persona's spatial settings (pixels, Phaser's names). */
export function pannerOptions(spatial: Spatial, at: AudioPoint = { x: 0, y: 0, z: 0 }): PannerOptions {
  return {
    panningModel: spatial.panningModel,
    distanceModel: spatial.distanceModel,
    refDistance: spatial.refDistance,
    maxDistance: spatial.maxDistance,
    // Web Audio's linear model is only defined for rolloff in [0, 1]; Chromium clamps silently, so clamp visibly.
    rolloffFactor: spatial.distanceModel === 'linear' ? Math.min(1, spatial.rolloffFactor) : spatial.rolloffFactor,
    positionX: at.x,
    positionY: at.y,
    positionZ: at.z,
  };
}

/** The three AudioParams of a position, or null where the browser only has the deprecated setPosition(). */
export interface PositionParams {
  positionX: AudioParam;
  positionY: AudioParam;
  positionZ: AudioParam;
}

/**
 * Moves a panner or the listener to `point`: glides with setTargetAtTime, or jumps when `jump` is set (the first
 * placement, so a new voice does not slide in from the origin). Falls back to setPosition() where the AudioParams
 * are missing (Firefox's AudioListener).
 */
export function moveTo(
  target: Partial<PositionParams> & { setPosition?: (x: number, y: number, z: number) => void },
  point: AudioPoint,
  now: number,
  jump: boolean,
): void {
  const { positionX, positionY, positionZ } = target;
  if (positionX && positionY && positionZ) {
    for (const [param, value] of [
      [positionX, point.x],
      [positionY, point.y],
      [positionZ, point.z],
    ] as const) {
      if (jump) {
        param.cancelScheduledValues(now);
        param.setValueAtTime(value, now);
      } else {
        param.setTargetAtTime(value, now, POSITION_SMOOTHING_S);
      }
    }
    return;
  }
  target.setPosition?.(point.x, point.y, point.z);
}
