import { describe, expect, it } from 'vitest';
import { chooseAddressee, type AddressCandidate } from '../../../plugin/core/addressing.js';

const npc = (id: string, x: number, y: number, hearingRadiusPx = 150): AddressCandidate => ({ id, x, y, hearingRadiusPx });

describe('chooseAddressee', () => {
  it('gives the mic to the NPC the game named, even when another is nearer or it is out of range', () => {
    const npcs = [npc('smith', 10, 0), npc('guard', 900, 0)];
    expect(chooseAddressee(npcs, { x: 0, y: 0 }, 'guard')).toBe('guard');
  });

  it('ignores a named NPC that is no longer bound and falls back to proximity', () => {
    expect(chooseAddressee([npc('smith', 10, 0)], { x: 0, y: 0 }, 'ghost')).toBe('smith');
  });

  it('picks the nearest NPC within its hearing radius', () => {
    const npcs = [npc('far', 120, 0), npc('near', 0, 60), npc('farther', 140, 0)];
    expect(chooseAddressee(npcs, { x: 0, y: 0 }, null)).toBe('near');
  });

  it('respects each persona’s own hearing radius', () => {
    // The nearer NPC is hard of hearing; the farther one hears across the square.
    const npcs = [npc('deaf', 50, 0, 40), npc('keen', 300, 0, 400)];
    expect(chooseAddressee(npcs, { x: 0, y: 0 }, null)).toBe('keen');
  });

  it('returns null when nobody is in range', () => {
    expect(chooseAddressee([npc('smith', 500, 0)], { x: 0, y: 0 }, null)).toBeNull();
  });

  it('breaks near-ties by where the player faces', () => {
    const npcs = [npc('left', -100, 0), npc('right', 105, 0)];
    expect(chooseAddressee(npcs, { x: 0, y: 0, facingX: 1, facingY: 0 }, null)).toBe('right');
    expect(chooseAddressee(npcs, { x: 0, y: 0, facingX: -1, facingY: 0 }, null)).toBe('left');
  });

  it('does not let facing override a clearly nearer NPC', () => {
    const npcs = [npc('left', -40, 0), npc('right', 120, 0)];
    expect(chooseAddressee(npcs, { x: 0, y: 0, facingX: 1, facingY: 0 }, null)).toBe('left');
  });

  it('treats an NPC at x = 0 like any other position', () => {
    expect(chooseAddressee([npc('origin', 0, 0)], { x: 30, y: 40 }, null)).toBe('origin');
  });
});
