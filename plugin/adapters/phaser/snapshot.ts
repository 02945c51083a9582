import type * as Phaser from 'phaser';
import { clipFrame, type SnapshotFrame, type SnapshotImage } from '../../core/snapshot.js';
import { NpcVoiceError } from '../../errors.js';

/** How long a snapshot waits for the game to render a frame before `binding.show()` gives up. */
export const SNAPSHOT_TIMEOUT_MS = 5_000;

/**
 * A picture of what `game` renders, through the renderer's own snapshot (`renderer.snapshotArea`, Phaser 3 and 4):
 * it reads the pixels right after the next frame is drawn, so a WebGL canvas without `preserveDrawingBuffer` is not
 * read blank. `frame` is in game pixels (`game.scale` width and height); the canvas may have more pixels (its
 * resolution), so it is scaled to them.
 */
export function phaserSnapshot(game: Phaser.Game, frame: SnapshotFrame | undefined, timeoutMs = SNAPSHOT_TIMEOUT_MS): Promise<SnapshotImage> {
  const renderer = game.renderer as Phaser.Renderer.Canvas.CanvasRenderer | Phaser.Renderer.WebGL.WebGLRenderer | null | undefined;
  const canvas = game.canvas as HTMLCanvasElement | null | undefined;
  if (!renderer || !canvas || typeof renderer.snapshotArea !== 'function') {
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
    const timer = setTimeout(
      () => reject(new NpcVoiceError('snapshot_failed', `binding.show(): the game rendered no frame within ${timeoutMs} ms (is it paused or its tab hidden?)`)),
      timeoutMs,
    );
    renderer.snapshotArea(x, y, width, height, (snapshot) => {
      clearTimeout(timer);
      if (snapshot instanceof HTMLImageElement) resolve({ image: snapshot, width: snapshot.naturalWidth || width, height: snapshot.naturalHeight || height });
      else reject(new NpcVoiceError('snapshot_failed', 'binding.show(): the renderer could not make a picture of the canvas'));
    });
  });
}
