/** An NPC that could receive the microphone. */
export interface AddressCandidate {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly hearingRadiusPx: number;
}

/** The player's position and, when known, facing direction (any length; zero means unknown). */
export interface PlayerPose {
  readonly x: number;
  readonly y: number;
  readonly facingX?: number;
  readonly facingY?: number;
}

/** Distances closer than this are considered a tie, broken by where the player faces. */
export const DEFAULT_TIE_TOLERANCE_PX = 16;

/**
 * Chooses which NPC receives the player's voice: the one the game named (`talkTo`), else the nearest within its
 * hearing radius, the player's facing breaking near-ties. Returns null when nobody can hear the player.
 *
 * @example
 * chooseAddressee(npcs, { x: 100, y: 100, facingX: 1, facingY: 0 }, null); // → 'blacksmith'
 */
export function chooseAddressee(
  candidates: readonly AddressCandidate[],
  player: PlayerPose,
  namedId: string | null,
  tieTolerancePx: number = DEFAULT_TIE_TOLERANCE_PX,
): string | null {
  if (namedId !== null && candidates.some((c) => c.id === namedId)) return namedId;
  if (!Number.isFinite(player.x) || !Number.isFinite(player.y)) return null;
  const inRange = candidates
    .map((c) => ({ c, d: Math.hypot(c.x - player.x, c.y - player.y) }))
    .filter(({ d, c }) => Number.isFinite(d) && d <= c.hearingRadiusPx);
  if (inRange.length === 0) return null;
  const nearest = Math.min(...inRange.map((e) => e.d));
  const tied = inRange.filter((e) => e.d - nearest <= tieTolerancePx);
  const fx = player.facingX ?? 0;
  const fy = player.facingY ?? 0;
  const flen = Math.hypot(fx, fy);
  const facing = (e: { c: AddressCandidate; d: number }) =>
    flen > 0 && e.d > 0 ? ((e.c.x - player.x) * fx + (e.c.y - player.y) * fy) / (e.d * flen) : 0;
  tied.sort((a, b) => facing(b) - facing(a) || a.d - b.d || (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0));
  return tied[0]?.c.id ?? null;
}
