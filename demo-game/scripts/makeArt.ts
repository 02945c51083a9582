// Draws the demo's art as SVG: a 32 px tileset (16 tiles, 8 × 2) and four 32 × 48 characters. Nothing is downloaded;
// rerun with `npx tsx demo-game/scripts/makeArt.ts` after changing a drawing. Characters have no mouth: the game
// draws it, opened by the NPC's speech level.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TILE } from '../src/tiles.js';

const OUT = fileURLToPath(new URL('../../assets/sprites/', import.meta.url));
const T = 32;


function tile(index: number, body: string): string {
  const x = (index % 8) * T;
  const y = Math.floor(index / 8) * T;
  return `<g transform="translate(${x} ${y})">${body}</g>`;
}

const grassBase = `<rect width="32" height="32" fill="#5d9c46"/><rect x="3" y="5" width="2" height="3" fill="#6fb255"/><rect x="20" y="22" width="2" height="3" fill="#6fb255"/><rect x="25" y="9" width="2" height="2" fill="#4f8a3b"/>`;
const stone = (fill: string, line: string) =>
  `<rect width="32" height="32" fill="${fill}"/><path d="M0 8H32M0 16H32M0 24H32M8 0V8M24 0V8M16 8V16M0 16M8 16V24M24 16V24M16 24V32" stroke="${line}" stroke-width="1.5"/>`;

const tiles = [
  tile(TILE.grass, grassBase),
  tile(TILE.grassTuft, `${grassBase}<path d="M10 20l2-7 2 7M15 20l2-8 2 8" stroke="#3f7a2f" stroke-width="1.6" fill="none"/>`),
  tile(TILE.path, `<rect width="32" height="32" fill="#c8a66b"/><circle cx="8" cy="9" r="2" fill="#b08f57"/><circle cx="23" cy="20" r="2.5" fill="#b08f57"/><circle cx="14" cy="27" r="1.5" fill="#dcbd86"/>`),
  tile(TILE.wall, `${stone('#8a8f98', '#5d626b')}<rect width="32" height="3" fill="#a7adb6"/>`),
  tile(
    TILE.gateClosed,
    `<rect width="32" height="32" fill="#5a3b1f"/><path d="M4 0V32M12 0V32M20 0V32M28 0V32" stroke="#3d2713" stroke-width="2"/><rect y="6" width="32" height="4" fill="#2e2f33"/><rect y="22" width="32" height="4" fill="#2e2f33"/><circle cx="16" cy="16" r="2.5" fill="#d6b24c"/>`,
  ),
  tile(
    TILE.gateOpen,
    `<rect width="32" height="32" fill="#c8a66b"/><rect x="0" y="0" width="5" height="32" fill="#5a3b1f"/><rect x="27" y="0" width="5" height="32" fill="#5a3b1f"/><rect x="0" y="6" width="5" height="3" fill="#2e2f33"/><rect x="27" y="6" width="5" height="3" fill="#2e2f33"/>`,
  ),
  tile(TILE.cobble, `<rect width="32" height="32" fill="#7a6f66"/><circle cx="8" cy="8" r="6" fill="#8d8279"/><circle cx="24" cy="9" r="6" fill="#857a71"/><circle cx="9" cy="24" r="6" fill="#857a71"/><circle cx="24" cy="24" r="6" fill="#8d8279"/>`),
  tile(TILE.soil, `<rect width="32" height="32" fill="#6b4a2f"/><path d="M0 8H32M0 18H32M0 28H32" stroke="#573b24" stroke-width="2"/><circle cx="7" cy="13" r="2" fill="#4e9a3c"/><circle cx="22" cy="23" r="2" fill="#4e9a3c"/>`),
  tile(
    TILE.flowers,
    `${grassBase}<circle cx="8" cy="9" r="3" fill="#b07cd8"/><circle cx="22" cy="12" r="3" fill="#e8d04a"/><circle cx="13" cy="23" r="3" fill="#e86a8a"/><circle cx="25" cy="25" r="3" fill="#b07cd8"/><circle cx="8" cy="9" r="1" fill="#fff"/><circle cx="13" cy="23" r="1" fill="#fff"/>`,
  ),
  tile(TILE.tree, `${grassBase}<rect x="13" y="20" width="6" height="10" fill="#6a4526"/><circle cx="16" cy="13" r="12" fill="#2f6e2a"/><circle cx="12" cy="10" r="5" fill="#3d8a35"/>`),
  tile(TILE.roof, `<rect width="32" height="32" fill="#a8432f"/><path d="M0 6H32M0 14H32M0 22H32M0 30H32" stroke="#86321f" stroke-width="2"/>`),
  tile(TILE.houseDoor, `<rect width="32" height="32" fill="#d8c39a"/><rect y="0" width="32" height="3" fill="#86321f"/><rect x="10" y="10" width="12" height="22" rx="5" fill="#6a4526"/><circle cx="19" cy="22" r="1.3" fill="#e8d04a"/>`),
  tile(
    TILE.hearth,
    `${stone('#6d5f55', '#4c4039')}<rect x="5" y="10" width="22" height="18" rx="3" fill="#2b211c"/><path d="M9 27c0-8 4-9 5-15 3 5 2 8 4 10 1-3 3-4 3-7 3 5 3 9 2 12z" fill="#f08a24"/><path d="M12 27c0-4 2-5 3-8 2 3 2 5 3 6 1-1 2-2 2-3 1 2 1 4 0 5z" fill="#ffd34a"/>`,
  ),
  tile(TILE.anvil, `<rect width="32" height="32" fill="#7a6f66"/><path d="M5 11h20c0 3-3 5-7 5v5h4v4H10v-4h4v-5c-5 0-9-2-9-5z" fill="#3a3d44"/><rect x="5" y="11" width="20" height="2" fill="#6b7079"/>`),
  tile(TILE.fence, `${grassBase}<rect y="10" width="32" height="3" fill="#8b6239"/><rect y="20" width="32" height="3" fill="#8b6239"/><rect x="5" y="6" width="4" height="22" fill="#a77847"/><rect x="23" y="6" width="4" height="22" fill="#a77847"/>`),
  tile(TILE.water, `<rect width="32" height="32" fill="#3a78b5"/><path d="M3 10q4-3 8 0t8 0M13 22q4-3 8 0t8 0" stroke="#8cc0ea" stroke-width="1.6" fill="none"/>`),
];

const tileset = `<svg xmlns="http://www.w3.org/2000/svg" width="${8 * T}" height="${2 * T}" viewBox="0 0 ${8 * T} ${2 * T}" shape-rendering="crispEdges">${tiles.join('')}</svg>\n`;

interface Look {
  skin: string;
  hair: string;
  body: string;
  legs: string;
  extra?: string;
  hat?: string;
}

/** A 32 × 48 character facing the viewer; the mouth (at 16, 21) is drawn by the game. */
function character(look: Look): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="32" height="48" viewBox="0 0 32 48">
<ellipse cx="16" cy="46" rx="11" ry="2.5" fill="#000" opacity="0.25"/>
<rect x="10" y="36" width="5" height="10" rx="2" fill="${look.legs}"/><rect x="17" y="36" width="5" height="10" rx="2" fill="${look.legs}"/>
<rect x="6" y="24" width="20" height="15" rx="5" fill="${look.body}"/>
<rect x="3" y="25" width="5" height="11" rx="2.5" fill="${look.body}"/><rect x="24" y="25" width="5" height="11" rx="2.5" fill="${look.body}"/>
<circle cx="16" cy="15" r="9" fill="${look.skin}"/>
<path d="M7 14c0-7 4-10 9-10s9 3 9 10c-2-3-5-5-9-5s-7 2-9 5z" fill="${look.hair}"/>
<circle cx="12.5" cy="15.5" r="1.4" fill="#222"/><circle cx="19.5" cy="15.5" r="1.4" fill="#222"/>
${look.extra ?? ''}${look.hat ?? ''}
</svg>\n`;
}

const characters: Record<string, string> = {
  player: character({ skin: '#f1c27d', hair: '#5b3a1e', body: '#3b6fc9', legs: '#2c3e66', extra: '<rect x="6" y="31" width="20" height="3" fill="#8b5a2b"/>' }),
  blacksmith: character({
    skin: '#d9a066',
    hair: '#2d2019',
    body: '#7b4a2a',
    legs: '#3a2a20',
    extra: '<path d="M9 18c1 6 4 8 7 8s6-2 7-8c-2 2-4 2-7 2s-5 0-7-2z" fill="#2d2019"/><rect x="9" y="26" width="14" height="13" rx="2" fill="#4a3a2e"/>',
  }),
  guard: character({
    skin: '#e0ac69',
    hair: '#4a3222',
    body: '#8c939d',
    legs: '#4a4f58',
    extra: '<rect x="6" y="24" width="20" height="4" fill="#b22d2d"/><rect x="28" y="4" width="2" height="40" fill="#6a4526"/><path d="M29 0l3 6h-6z" fill="#c9ccd2"/>',
    hat: '<path d="M6 13c0-7 4-10 10-10s10 3 10 10z" fill="#a9afb8"/><rect x="15" y="3" width="2" height="10" fill="#7d838c"/>',
  }),
  herbalist: character({
    skin: '#f3c9a0',
    hair: '#b5562a',
    body: '#4f8f4a',
    legs: '#3d6b39',
    extra: '<path d="M6 14c-2 8-1 12 2 14M26 14c2 8 1 12-2 14" stroke="#b5562a" stroke-width="3" fill="none"/><circle cx="22" cy="8" r="2.2" fill="#b07cd8"/><rect x="6" y="32" width="20" height="7" rx="2" fill="#3d6b39"/>',
  }),
};

mkdirSync(OUT, { recursive: true });
writeFileSync(`${OUT}tiles.svg`, tileset);
for (const [name, svg] of Object.entries(characters)) writeFileSync(`${OUT}${name}.svg`, svg);
console.log(`wrote tiles.svg and ${Object.keys(characters).length} characters to ${OUT}`);
