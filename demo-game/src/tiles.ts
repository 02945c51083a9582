/** Tile indices in `assets/sprites/tiles.svg` (Tiled gid = index + 1). Shared by the art and map generators and the game. */
export const TILE = {
  grass: 0,
  grassTuft: 1,
  path: 2,
  wall: 3,
  gateClosed: 4,
  gateOpen: 5,
  cobble: 6,
  soil: 7,
  flowers: 8,
  tree: 9,
  roof: 10,
  houseDoor: 11,
  hearth: 12,
  anvil: 13,
  fence: 14,
  water: 15,
} as const;

/** Tiles the player cannot walk through (the open gate is not one of them). */
export const SOLID_TILES: readonly number[] = [
  TILE.wall,
  TILE.gateClosed,
  TILE.tree,
  TILE.roof,
  TILE.houseDoor,
  TILE.hearth,
  TILE.anvil,
  TILE.fence,
  TILE.water,
];

/** Size of a tile, px. */
export const TILE_PX = 32;
