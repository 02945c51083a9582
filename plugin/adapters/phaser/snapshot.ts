// A namespace import: Phaser 3's ES module has no default export (Phaser 4's has both).
import * as Phaser from 'phaser';
import { clipFrame, type SnapshotFrame, type SnapshotImage } from '../../core/snapshot.js';
import { NpcVoiceError } from '../../errors.js';

/** How long a snapshot waits for the game to render a frame before `binding.show()` gives up. */
export const SNAPSHOT_TIMEOUT_MS = 5_000;

/**
 * A picture of what `game` renders (Phaser 3 and 4, WebGL and Canvas): the canvas region is copied into a 2D canvas
 * on the renderer's `POST_RENDER`, inside the task that drew the frame, while a WebGL drawing buffer still holds it —
 * without `preserveDrawingBuffer` it is cleared once the frame is shown, and a read at any other time is blank. (The
 * renderer's own `snapshotArea` does the same but encodes the whole canvas as PNG and decodes it again, on the main
 * thread.) `frame` is in game pixels (`game.scale` width and height); the canvas may have more pixels (its
 * resolution), so it is scaled to them.
 */
export function phaserSnapshot(game: Phaser.Game, frame: SnapshotFrame | undefined, timeoutMs = SNAPSHOT_TIMEOUT_MS): Promise<SnapshotImage> {
  const renderer = game.renderer as Phaser.Renderer.Canvas.CanvasRenderer | Phaser.Renderer.WebGL.WebGLRenderer | null | undefined;
  const canvas = game.canvas as HTMLCanvasElement | null | undefined;
  if (!renderer || !canvas || typeof renderer.once !== 'function') {
    return Promise.reject(new NpcVoiceError('snapshot_failed', 'binding.show(): the game has no canvas to capture (a HEADLESS game renders nothing)'));
  }
  const gameWidth = game.scale?.width || canvas.width;
  const gameHeight = game.scale?.height || canvas.height;
  let area: SnapshotFrame;
  try {
    area = clipFrame(frame, gameWidth, gameHeight);
  } catch (error) {
    return Promise.reject(error as Error);
  }
  const sx = canvas.width / gameWidth;
  const sy = canvas.height / gameHeight;
  const x = Math.floor(area.x * sx);
  const y = Math.floor(area.y * sy);
  const width = Math.max(1, Math.min(canvas.width - x, Math.round(area.width * sx)));
  const height = Math.max(1, Math.min(canvas.height - y, Math.round(area.height * sy)));
  return new Promise<SnapshotImage>((resolve, reject) => {
    const copy = (): void => {
      clearTimeout(timer);
      const out = globalThis.document?.createElement('canvas');
      const context = out?.getContext('2d');
      if (!out || !context) {
        reject(new NpcVoiceError('snapshot_failed', 'binding.show(): this page cannot draw a 2D canvas to copy the frame into'));
        return;
      }
      out.width = width;
      out.height = height;
      try {
        context.drawImage(canvas, x, y, width, height, 0, 0, width, height);
      } catch (error) {
        reject(new NpcVoiceError('snapshot_failed', `binding.show(): the game canvas could not be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
        return;
      }
      resolve({ image: out, width, height });
    };
    const timer = setTimeout(() => {
      renderer.off(Phaser.Renderer.Events.POST_RENDER, copy);
      reject(new NpcVoiceError('snapshot_failed', `binding.show(): the game rendered no frame within ${timeoutMs} ms (is it paused or its tab hidden?)`));
    }, timeoutMs);
    renderer.once(Phaser.Renderer.Events.POST_RENDER, copy);
  });
}
