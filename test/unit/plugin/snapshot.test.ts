import { describe, expect, it } from 'vitest';
import { checkShowArgs, clipFrame, encodeSnapshot, scaledSize } from '../../../plugin/core/snapshot.js';

describe('binding.show() pictures', () => {
  it('scales the longest side down to maxSize, keeping the aspect ratio, and never up', () => {
    expect(scaledSize(960, 640, 512)).toEqual({ width: 512, height: 341 });
    expect(scaledSize(640, 960, 512)).toEqual({ width: 341, height: 512 });
    expect(scaledSize(300, 200, 512)).toEqual({ width: 300, height: 200 });
    expect(scaledSize(4000, 10, 512)).toEqual({ width: 512, height: 1 });
  });

  it('clips a frame to the canvas, and refuses one entirely outside it', () => {
    expect(clipFrame(undefined, 800, 600)).toEqual({ x: 0, y: 0, width: 800, height: 600 });
    expect(clipFrame({ x: -10, y: 500, width: 100, height: 200 }, 800, 600)).toEqual({ x: 0, y: 500, width: 90, height: 100 });
    expect(() => clipFrame({ x: 900, y: 0, width: 50, height: 50 }, 800, 600)).toThrow(/lies outside the 800×600 game canvas/);
  });

  it('names the bad field of the frame or the options', () => {
    const fieldOf = (frame: unknown, options: unknown = {}): string | null => {
      try {
        checkShowArgs(frame as never, options as never);
        return null;
      } catch (err) {
        return (err as { field: string }).field;
      }
    };
    expect(fieldOf(undefined)).toBeNull();
    expect(fieldOf({ x: 0, y: 0, width: 10, height: 10 }, { maxSize: 256, quality: 0.5, triggerResponse: false })).toBeNull();
    expect(fieldOf({ x: 0, y: Number.NaN, width: 10, height: 10 })).toBe('frame.y');
    expect(fieldOf({ x: 0, y: 0, width: -1, height: 10 })).toBe('frame.width');
    expect(fieldOf({ x: 0, y: 0, width: 1, height: 0 })).toBe('frame.height');
    expect(fieldOf('all')).toBe('frame');
    expect(fieldOf(undefined, { maxSize: 8 })).toBe('options.maxSize');
    expect(fieldOf(undefined, { quality: 0 })).toBe('options.quality');
  });

  it('says why when the page cannot encode (no DOM canvas here)', () => {
    expect(() => encodeSnapshot({ image: {} as CanvasImageSource, width: 10, height: 10 })).toThrow(expect.objectContaining({ code: 'snapshot_failed' }));
  });
});
