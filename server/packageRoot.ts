import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'phaser-npc-voice';

/**
 * The folder holding this package's package.json: the repository when running from source (tsx, vitest), the
 * installed package when running compiled from `dist/node/` — so paths to shipped assets do not depend on how deep
 * the running file sits.
 */
export const PACKAGE_ROOT: string = findRoot(path.dirname(fileURLToPath(import.meta.url)));

function findRoot(from: string): string {
  for (let at = from; ; at = path.dirname(at)) {
    const manifest = path.join(at, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) return at;
      } catch {
        // Not ours (or unreadable): keep walking up.
      }
    }
    if (path.dirname(at) === at) throw new Error(`${PACKAGE_NAME}: no package.json named "${PACKAGE_NAME}" above ${from}`);
  }
}

/** A path inside the package, e.g. `packagePath('assets', 'persona.schema.json')`. */
export function packagePath(...parts: string[]): string {
  return path.join(PACKAGE_ROOT, ...parts);
}
