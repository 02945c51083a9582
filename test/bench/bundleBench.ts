import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { workletSource } from '../../build/workletSource.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

interface ChunkSize {
  file: string;
  minBytes: number;
  gzipBytes: number;
}

async function sizes(dir: string): Promise<ChunkSize[]> {
  const out: ChunkSize[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    const file = path.join(entry.parentPath, entry.name);
    const code = await readFile(file);
    out.push({ file: path.relative(dir, file), minBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length });
  }
  return out.sort((a, b) => b.gzipBytes - a.gzipBytes);
}

/** Builds a tiny game (Phaser + optionally the plugin) and returns the JS loaded at startup vs lazily. */
async function buildGame(variant: 'none' | 'plugin' | 'plugin+audio'): Promise<{ initial: number; lazy: number; chunks: ChunkSize[] }> {
  // Inside the repo so `phaser` and the SDK resolve from our node_modules.
  await mkdir(path.join(ROOT, 'node_modules/.cache'), { recursive: true });
  const dir = await mkdtemp(path.join(ROOT, 'node_modules/.cache/npc-bundle-'));
  const entry = path.join(dir, 'main.ts');
  const pluginPath = path.join(ROOT, 'plugin/index.ts');
  const pluginImport =
    variant === 'none'
      ? 'const plugins = {};'
      : variant === 'plugin'
        ? `import { createNpcVoicePlugin } from '${pluginPath}';\nconst plugins = { scene: [createNpcVoicePlugin({})] };`
        : `import { createNpcVoicePlugin, webAudioBackend } from '${pluginPath}';\nconst plugins = { scene: [createNpcVoicePlugin({ audio: webAudioBackend })] };`;
  await writeFile(entry, `import Phaser from 'phaser';\n${pluginImport}\nnew Phaser.Game({ type: Phaser.CANVAS, plugins });\n`);
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><script type="module" src="./main.ts"></script>');
  const outDir = path.join(dir, 'dist');
  await build({
    root: dir,
    configFile: false,
    logLevel: 'silent',
    plugins: [workletSource()],
    resolve: { alias: {} },
    build: { outDir, emptyOutDir: true, modulePreload: false },
  });
  const html = await readFile(path.join(outDir, 'index.html'), 'utf8');
  const chunks = await sizes(outDir);
  const initialFiles = new Set([...html.matchAll(/(?:src|href)="\/?([^"]+\.js)"/g)].map((m) => m[1]));
  const initial = chunks.filter((c) => initialFiles.has(c.file)).reduce((sum, c) => sum + c.gzipBytes, 0);
  const lazy = chunks.filter((c) => !initialFiles.has(c.file)).reduce((sum, c) => sum + c.gzipBytes, 0);
  await rm(dir, { recursive: true, force: true });
  return { initial, lazy, chunks };
}

/** Library bundle size (peers excluded) and what a game's first load gains from the plugin. */
export async function runBundleBench(): Promise<string> {
  const libDir = await mkdtemp(path.join(os.tmpdir(), 'npc-lib-'));
  await build({ configFile: path.join(ROOT, 'vite.config.ts'), mode: 'lib', logLevel: 'silent', build: { outDir: libDir, emptyOutDir: true } });
  const lib = await sizes(libDir);
  await rm(libDir, { recursive: true, force: true });
  const libTotal = lib.reduce((sum, c) => sum + c.gzipBytes, 0);
  const base = await buildGame('none');
  const withPlugin = await buildGame('plugin');
  const withAudio = await buildGame('plugin+audio');
  const gained = withPlugin.initial - base.initial;
  return [
    '## Bundle size (Vite production build, min + gzip -9)',
    '',
    '| what | size | goal |',
    '|---|---|---|',
    `| library \`dist/\` without peers (phaser, howler, @openai/agents-realtime, zod) | ${kb(libTotal)} (${lib.map((c) => `${c.file} ${kb(c.gzipBytes)}`).join(', ')}) | ≤ 30 KB |`,
    `| first-load JS of a minimal Phaser game | ${kb(base.initial)} | — |`,
    `| first-load JS of the same game with the plugin | ${kb(withPlugin.initial)} (gain **${kb(gained)}**) | gain ≤ 30 KB |`,
    `| … with the plugin and its Web Audio layer (\`audio: webAudioBackend\`, what a game with voice ships) | ${kb(withAudio.initial)} (gain **${kb(withAudio.initial - base.initial)}**) | — |`,
    `| loaded later (lazy chunks: Realtime SDK + zod, prefetched when idle) | ${kb(withPlugin.lazy)} | — |`,
  ].join('\n');
}
