// Builds the village map as Tiled JSON (assets/maps/village.json): a walled village with the forge in the west, the
// herb garden in the east and the north gate, plus an object layer with where everyone stands.
// Rerun with `npx tsx demo-game/scripts/makeMap.ts` after changing the layout.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TILE, TILE_PX } from '../src/tiles.js';

const OUT = fileURLToPath(new URL('../../assets/maps/', import.meta.url));
const W = 30;
const H = 20;
const EMPTY = -1;

const ground: number[] = new Array<number>(W * H).fill(TILE.grass);
const objects: number[] = new Array<number>(W * H).fill(EMPTY);
const at = (x: number, y: number) => y * W + x;
const setG = (x: number, y: number, t: number) => (ground[at(x, y)] = t);
const setO = (x: number, y: number, t: number) => (objects[at(x, y)] = t);
const rect = (x0: number, y0: number, x1: number, y1: number, fn: (x: number, y: number) => void) => {
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) fn(x, y);
};

// A deterministic sprinkle of grass tufts.
rect(0, 0, W - 1, H - 1, (x, y) => {
  if ((x * 7 + y * 13) % 11 === 0) setG(x, y, TILE.grassTuft);
});

// Village wall with the north gate (two tiles at x = 14, 15).
rect(0, 0, W - 1, 0, (x, y) => setO(x, y, TILE.wall));
rect(0, H - 1, W - 1, H - 1, (x, y) => setO(x, y, TILE.wall));
rect(0, 0, 0, H - 1, (x, y) => setO(x, y, TILE.wall));
rect(W - 1, 0, W - 1, H - 1, (x, y) => setO(x, y, TILE.wall));
setO(14, 0, TILE.gateClosed);
setO(15, 0, TILE.gateClosed);

// Paths: the north road from the gate to the square, then west to the forge and east to the garden.
rect(14, 0, 15, 11, (x, y) => setG(x, y, TILE.path));
rect(5, 10, 24, 11, (x, y) => setG(x, y, TILE.path));
rect(14, 11, 15, H - 2, (x, y) => setG(x, y, TILE.path));

// The forge (west): cobbled yard, hearth and anvil, the smith's house behind.
rect(2, 5, 9, 9, (x, y) => setG(x, y, TILE.cobble));
rect(2, 2, 7, 3, (x, y) => setO(x, y, TILE.roof));
rect(2, 4, 7, 4, (x, y) => setO(x, y, TILE.roof));
setO(5, 4, TILE.houseDoor);
setO(3, 6, TILE.hearth);
setO(4, 6, TILE.hearth);
setO(6, 8, TILE.anvil);

// The herb garden (east): soil beds and flowers behind a fence, Mira's cottage.
rect(20, 13, 27, 13, (x, y) => setO(x, y, TILE.fence));
rect(20, 13, 20, 17, (x, y) => setO(x, y, TILE.fence));
rect(21, 14, 27, 17, (x, y) => setG(x, y, (x + y) % 2 === 0 ? TILE.soil : TILE.flowers));
setO(20, 15, EMPTY); // the garden gate
setG(20, 15, TILE.path);
rect(22, 2, 27, 4, (x, y) => setO(x, y, TILE.roof));
setO(24, 4, TILE.houseDoor);
rect(24, 5, 24, 9, (x, y) => setG(x, y, TILE.path));

// A pond and trees.
rect(3, 14, 6, 16, (x, y) => setO(x, y, TILE.water));
for (const [x, y] of [[10, 3], [11, 15], [18, 16], [9, 17], [19, 3], [26, 8], [2, 12], [12, 6]] as const) setO(x, y, TILE.tree);

const px = (tx: number) => tx * TILE_PX + TILE_PX / 2;
const spawns = [
  { name: 'player', x: px(15), y: px(12) },
  { name: 'blacksmith', x: px(5), y: px(7) + 8 },
  { name: 'guard', x: px(13), y: px(2) },
  { name: 'herbalist', x: px(23), y: px(15) },
  { name: 'forge', x: px(3) + 16, y: px(6) },
];

const tiled = {
  type: 'map',
  version: '1.10',
  tiledversion: '1.10.2',
  orientation: 'orthogonal',
  renderorder: 'right-down',
  infinite: false,
  width: W,
  height: H,
  tilewidth: TILE_PX,
  tileheight: TILE_PX,
  nextlayerid: 4,
  nextobjectid: spawns.length + 1,
  layers: [
    { id: 1, name: 'ground', type: 'tilelayer', x: 0, y: 0, width: W, height: H, opacity: 1, visible: true, data: ground.map((t) => t + 1) },
    { id: 2, name: 'objects', type: 'tilelayer', x: 0, y: 0, width: W, height: H, opacity: 1, visible: true, data: objects.map((t) => (t === EMPTY ? 0 : t + 1)) },
    {
      id: 3,
      name: 'spawns',
      type: 'objectgroup',
      x: 0,
      y: 0,
      opacity: 1,
      visible: true,
      draworder: 'topdown',
      objects: spawns.map((s, i) => ({ id: i + 1, name: s.name, type: '', x: s.x, y: s.y, width: 0, height: 0, rotation: 0, visible: true, point: true })),
    },
  ],
  tilesets: [
    {
      firstgid: 1,
      name: 'village',
      image: '../sprites/tiles.svg',
      imagewidth: 8 * TILE_PX,
      imageheight: 2 * TILE_PX,
      tilewidth: TILE_PX,
      tileheight: TILE_PX,
      tilecount: 16,
      columns: 8,
      margin: 0,
      spacing: 0,
    },
  ],
};

mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}village.json`, `${JSON.stringify(tiled)}\n`);
console.log(`wrote ${OUT}village.json (${W}×${H})`);
