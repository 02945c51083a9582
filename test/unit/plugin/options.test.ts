import { afterEach, describe, expect, it } from 'vitest';
import { NpcVoiceConfigError } from '../../../plugin/errors.js';
import { resolvePhaserOptions, type NpcVoicePhaserOptions } from '../../../plugin/adapters/phaser/options.js';
import { resolveOptions, type NpcVoiceCoreOptions as NpcVoiceOptions } from '../../../plugin/core/options.js';

/** The field a bad option is reported under (throws if the options are accepted). */
function rejectedField<O extends object = NpcVoiceOptions>(options: O, resolve: (o: O) => unknown = resolveOptions): string {
  try {
    resolve(options);
  } catch (err) {
    if (err instanceof NpcVoiceConfigError) return err.field;
    throw err;
  }
  throw new Error('the options were accepted');
}

/** A Howl stand-in with the methods ducking uses. */
const howl = (volume: number) => ({ volume: () => volume, fade: () => undefined });

afterEach(() => {
  delete (globalThis as { Howler?: unknown }).Howler;
});

describe('plugin options', () => {
  it('ducks every Howler sound to 0.35 by default, found when the NPC speaks (Howls created later count)', () => {
    const { duck } = resolveOptions({});
    expect(duck).toMatchObject({ level: 0.35, fadeMs: 200 });
    expect(duck?.howls?.()).toEqual([]);
    const music = howl(0.3);
    (globalThis as { Howler?: unknown }).Howler = { _howls: [music, { not: 'a howl' }] };
    expect(duck?.howls?.()).toEqual([music]);
  });

  it('takes the game\'s own Howls, level and fade, or no ducking at all', () => {
    const music = howl(0.5);
    const custom = resolveOptions({ duck: { howls: () => [music], level: 0.2, fadeMs: 400 } }).duck;
    expect(custom?.howls?.()).toEqual([music]);
    expect(custom).toMatchObject({ level: 0.2, fadeMs: 400 });
    expect(resolveOptions({ duck: { howls: null } }).duck?.howls).toBeNull();
    expect(resolveOptions({ duck: false }).duck).toBeNull();
  });

  it('names the option and what it expects when one is wrong', () => {
    expect(rejectedField({ duck: { level: 2 } })).toBe('duck.level');
    expect(rejectedField({ duck: { fadeMs: -5 } })).toBe('duck.fadeMs');
    expect(rejectedField({ duck: { howls: [] as never } })).toBe('duck.howls');
    expect(rejectedField({ transport: 'carrier-pigeon' as never })).toBe('transport');
    expect(rejectedField({ maxLiveSessions: 0 })).toBe('maxLiveSessions');
    expect(() => resolveOptions({ duck: { level: 2 } })).toThrow(/duck\.level.*between 0 and 1, got 2/);
  });
});

describe('the Phaser adapter options', () => {
  const rejected = (options: NpcVoicePhaserOptions): string => rejectedField(options, resolvePhaserOptions);

  it('defaults to SPACE and the camera, and takes a player sprite or no key at all', () => {
    expect(resolvePhaserOptions({})).toEqual({ pushToTalkKey: 'SPACE', listener: 'camera', playerFacing: null });
    const player = { x: 1, y: 2 };
    expect(resolvePhaserOptions({ pushToTalkKey: null, listener: player })).toMatchObject({ pushToTalkKey: null, listener: player });
  });

  it('names the option when a key, listener or facing is wrong', () => {
    expect(rejected({ pushToTalkKey: 'space bar' })).toBe('pushToTalkKey');
    expect(rejected({ listener: { x: 1 } as never })).toBe('listener');
    expect(rejected({ playerFacing: 'north' as never })).toBe('playerFacing');
  });
});
