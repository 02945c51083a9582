// One mapping from signal RMS to a 0..1 "how open is the mouth" level, shared by the PCM player (RMS from the
// worklet) and WebRTC voices (RMS from an AnalyserNode), so lip-sync looks the same on both transports.

/** RMS (dBFS) at and below which the level is 0: room noise and breath stay closed-mouthed. */
export const LEVEL_FLOOR_DBFS = -50;
/** RMS (dBFS) at and above which the level is 1: loud speech opens the mouth fully. */
export const LEVEL_CEIL_DBFS = -12;

/** Maps an RMS on the [-1, 1] scale to a perceptual 0..1 level (linear in dB between the floor and the ceiling). */
export function levelFromRms(rmsValue: number): number {
  if (!Number.isFinite(rmsValue) || rmsValue <= 0) return 0;
  const db = 20 * Math.log10(rmsValue);
  const t = (db - LEVEL_FLOOR_DBFS) / (LEVEL_CEIL_DBFS - LEVEL_FLOOR_DBFS);
  return t <= 0 ? 0 : t >= 1 ? 1 : t;
}

/**
 * One step of an attack/release follower for a level read once per block: rises fast so syllables show at once,
 * falls slower so the mouth does not flutter between them.
 */
export function smoothLevel(previous: number, next: number, attack = 0.5, release = 0.12): number {
  const k = next > previous ? attack : release;
  return previous + (next - previous) * k;
}
