import { describe, expect, it } from 'vitest';
import { distancePx, earSide, moveTo, pannerOptions, worldToAudio, type AudioPoint } from '../../../plugin/audio/spatial.js';
import { levelFromRms } from '../../../plugin/audio/level.js';

describe('spatial mapping', () => {
  it('puts an NPC left of the player in the left ear and one to the right in the right ear', () => {
    expect(earSide(300, 400, 500, 400)).toBe(-1);
    expect(earSide(700, 400, 500, 400)).toBe(1);
    expect(earSide(500, 100, 500, 400)).toBe(0);
  });

  it('maps world x to audio x and world y to audio z in pixels, so persona distances apply as px', () => {
    expect(worldToAudio(120, -35)).toEqual({ x: 120, y: 0, z: -35 });
    const s = worldToAudio(300, 400) as AudioPoint;
    const l = worldToAudio(0, 0) as AudioPoint;
    expect(Math.hypot(s.x - l.x, s.y - l.y, s.z - l.z)).toBe(500);
    expect(distancePx(300, 400, 0, 0)).toBe(500);
  });

  it('treats x = 0 as a real position, not a missing one', () => {
    expect(worldToAudio(0, 0)).toEqual({ x: 0, y: 0, z: 0 });
    expect(earSide(0, 50, 200, 50)).toBe(-1);
  });

  it('ignores non-finite coordinates', () => {
    expect(worldToAudio(Number.NaN, 10)).toBeNull();
    expect(worldToAudio(10, Number.POSITIVE_INFINITY)).toBeNull();
    expect(earSide(Number.NaN, 0, 0, 0)).toBe(0);
  });

  it('builds panner options from persona settings, clamping rolloff for the linear model', () => {
    const base = { refDistance: 80, maxDistance: 500, rolloffFactor: 2, panningModel: 'equalpower' as const };
    expect(pannerOptions({ ...base, distanceModel: 'inverse' })).toMatchObject({ refDistance: 80, maxDistance: 500, rolloffFactor: 2, distanceModel: 'inverse', panningModel: 'equalpower' });
    expect(pannerOptions({ ...base, distanceModel: 'linear' }).rolloffFactor).toBe(1);
  });

  it('jumps on the first placement and glides afterwards', () => {
    const calls: string[] = [];
    const param = (name: string) =>
      ({
        cancelScheduledValues: () => calls.push(`${name}.cancel`),
        setValueAtTime: (v: number) => calls.push(`${name}.set ${v}`),
        setTargetAtTime: (v: number, _t: number, tc: number) => calls.push(`${name}.target ${v} ${tc}`),
      }) as unknown as AudioParam;
    const target = { positionX: param('x'), positionY: param('y'), positionZ: param('z') };
    moveTo(target, { x: 0, y: 0, z: 5 }, 1, true);
    expect(calls).toEqual(['x.cancel', 'x.set 0', 'y.cancel', 'y.set 0', 'z.cancel', 'z.set 5']);
    calls.length = 0;
    moveTo(target, { x: 3, y: 0, z: 5 }, 1, false);
    expect(calls[0]).toMatch(/^x\.target 3 0\.\d+$/);
  });

  it('falls back to setPosition where the position AudioParams are missing', () => {
    const got: number[][] = [];
    moveTo({ setPosition: (x, y, z) => got.push([x, y, z]) }, { x: 1, y: 0, z: 2 }, 0, false);
    expect(got).toEqual([[1, 0, 2]]);
  });
});

describe('levelFromRms', () => {
  it('maps silence to 0, loud speech to 1 and is monotonic in between', () => {
    expect(levelFromRms(0)).toBe(0);
    expect(levelFromRms(Number.NaN)).toBe(0);
    expect(levelFromRms(0.001)).toBe(0);
    expect(levelFromRms(0.5)).toBe(1);
    const mid = levelFromRms(0.05);
    expect(mid).toBeGreaterThan(0.3);
    expect(mid).toBeLessThan(levelFromRms(0.1));
  });
});
