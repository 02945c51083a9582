/** An axis-aligned rectangle in world pixels. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Whether two rectangles overlap (touching edges do not count). */
export function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** The shift (dx, dy) that brings `r` inside `view` (a rectangle larger than the view keeps its top-left edge in). */
export function clampShift(r: Rect, view: Rect): { dx: number; dy: number } {
  const dx = r.x < view.x ? view.x - r.x : r.x + r.w > view.x + view.w ? Math.max(view.x - r.x, view.x + view.w - r.x - r.w) : 0;
  const dy = r.y < view.y ? view.y - r.y : r.y + r.h > view.y + view.h ? Math.max(view.y - r.y, view.y + view.h - r.y - r.h) : 0;
  return { dx, dy };
}
