import { NpcVoiceConfigError, NpcVoiceError } from '../errors.js';

/** A region of the game canvas, in game pixels (the game's configured width and height, not the camera's world). */
export interface SnapshotFrame {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A captured picture of the game as the engine adapter hands it over, before it is scaled and encoded. */
export interface SnapshotImage {
  image: CanvasImageSource;
  width: number;
  height: number;
}

/** Options of `binding.show()`. */
export interface ShowOptions {
  /** Ask the NPC to answer the picture at once (default true); false only adds it to the conversation. */
  triggerResponse?: boolean;
  /** Longest side of the picture sent, in pixels (default {@link DEFAULT_SHOW_MAX_SIZE}); never scaled up. */
  maxSize?: number;
  /** JPEG quality in (0, 1] (default 0.8). */
  quality?: number;
}

/** Longest side of a picture `binding.show()` sends: one 512 px tile, the cheapest high-detail image for the model. */
export const DEFAULT_SHOW_MAX_SIZE = 512;
const DEFAULT_QUALITY = 0.8;

/**
 * Checks `binding.show()`'s frame and options.
 * @throws NpcVoiceConfigError naming the field (`frame.width`, `options.maxSize`…) that is wrong.
 */
export function checkShowArgs(frame: SnapshotFrame | undefined, options: ShowOptions): void {
  const bad = (field: string, why: string): never => {
    throw new NpcVoiceConfigError('invalid_option', field, `binding.show(): ${field} ${why}`);
  };
  if (frame !== undefined) {
    if (typeof frame !== 'object' || frame === null) bad('frame', 'must be {x, y, width, height} in game pixels');
    for (const key of ['x', 'y', 'width', 'height'] as const) {
      if (typeof frame[key] !== 'number' || !Number.isFinite(frame[key])) bad(`frame.${key}`, 'must be a finite number');
    }
    if (frame.width <= 0) bad('frame.width', 'must be greater than 0');
    if (frame.height <= 0) bad('frame.height', 'must be greater than 0');
  }
  if (options.maxSize !== undefined && (!Number.isInteger(options.maxSize) || options.maxSize < 16 || options.maxSize > 2048)) {
    bad('options.maxSize', 'must be a whole number of pixels from 16 to 2048');
  }
  if (options.quality !== undefined && (typeof options.quality !== 'number' || !(options.quality > 0 && options.quality <= 1))) {
    bad('options.quality', 'must be a number in (0, 1]');
  }
}

/**
 * `frame` clipped to a `width`×`height` canvas, or the whole canvas without a frame.
 * @throws NpcVoiceError (`snapshot_failed`) when the frame lies outside the canvas.
 */
export function clipFrame(frame: SnapshotFrame | undefined, width: number, height: number): SnapshotFrame {
  if (!frame) return { x: 0, y: 0, width, height };
  const x = Math.max(0, Math.floor(frame.x));
  const y = Math.max(0, Math.floor(frame.y));
  const right = Math.min(width, Math.ceil(frame.x + frame.width));
  const bottom = Math.min(height, Math.ceil(frame.y + frame.height));
  if (right <= x || bottom <= y) {
    throw new NpcVoiceError('snapshot_failed', `binding.show(): the frame ${JSON.stringify(frame)} lies outside the ${width}×${height} game canvas`);
  }
  return { x, y, width: right - x, height: bottom - y };
}

/** Size of a `width`×`height` picture scaled down so its longest side is at most `maxSize` (never up). */
export function scaledSize(width: number, height: number, maxSize: number): { width: number; height: number } {
  const scale = Math.min(1, maxSize / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * Scales a captured picture down to `maxSize` and encodes it as a JPEG data URL (`data:image/jpeg;base64,…`), on a
 * black background (JPEG has no transparency).
 * @throws NpcVoiceError (`snapshot_failed`) when the browser cannot draw or encode it.
 */
export function encodeSnapshot(snapshot: SnapshotImage, options: ShowOptions = {}): string {
  const size = scaledSize(snapshot.width, snapshot.height, options.maxSize ?? DEFAULT_SHOW_MAX_SIZE);
  const canvas = globalThis.document?.createElement('canvas');
  const context = canvas?.getContext('2d');
  if (!canvas || !context) throw new NpcVoiceError('snapshot_failed', 'binding.show(): this page cannot draw a 2D canvas to encode the picture');
  canvas.width = size.width;
  canvas.height = size.height;
  context.fillStyle = '#000';
  context.fillRect(0, 0, size.width, size.height);
  context.imageSmoothingQuality = 'high';
  context.drawImage(snapshot.image, 0, 0, size.width, size.height);
  const url = canvas.toDataURL('image/jpeg', options.quality ?? DEFAULT_QUALITY);
  if (!url.startsWith('data:image/jpeg')) throw new NpcVoiceError('snapshot_failed', 'binding.show(): this browser cannot encode JPEG pictures');
  return url;
}
