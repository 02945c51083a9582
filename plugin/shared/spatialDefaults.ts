/**
 * Default spatial voice options, written once: a persona's `spatial` field defaults to them (what each option means
 * is described in `SpatialSchema`), and the voice mixer and the emulator's fallback persona use them. Distances are
 * in pixels; names and models are the Web Audio PannerNode's (as in Phaser's SpatialSoundConfig).
 */
export const SPATIAL_DEFAULTS = {
  refDistance: 100,
  maxDistance: 600,
  rolloffFactor: 1,
  distanceModel: 'inverse',
  panningModel: 'HRTF',
} as const;
