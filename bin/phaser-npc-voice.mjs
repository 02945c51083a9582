#!/usr/bin/env node
// The `phaser-npc-voice` command. The installed package runs the compiled CLI (dist/node); a checkout of the
// repository, which has the TypeScript sources and tsx (a devDependency), runs them directly so no build is needed.
import { existsSync } from 'node:fs';

const source = new URL('../server/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/node/server/cli.js');
}
