// The README's "Use it in your game" snippets are the consumer test's code: every `// #region readme:<name>` of the
// template game (test/e2e/consumer/game/), and its persona file whole, must appear verbatim in README.md — so a
// snippet that stops compiling, or a README that drifts from the tested code, fails here.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const GAME = fileURLToPath(new URL('../../e2e/consumer/game/', import.meta.url));
const README = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');

/** The regions of a file, dedented by their common indentation. */
function regions(text: string): { name: string; body: string }[] {
  const found: { name: string; body: string }[] = [];
  const re = /^[ \t]*\/\/ #region readme:(\S+)\n([\s\S]*?)^[ \t]*\/\/ #endregion readme:\1$/gm;
  for (const match of text.matchAll(re)) {
    const lines = (match[2] ?? '').replace(/\n$/, '').split('\n');
    const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0));
    found.push({ name: match[1] ?? '', body: lines.map((l) => l.slice(indent)).join('\n') });
  }
  return found;
}

const files = readdirSync(GAME, { recursive: true, encoding: 'utf8' }).map((f) => path.join(GAME, f)).filter((f) => statSync(f).isFile());
const snippets = files.flatMap((file) =>
  regions(readFileSync(file, 'utf8')).map((r) => ({ where: `${path.relative(GAME, file)} #${r.name}`, body: r.body })),
);

describe('README "Use it in your game"', () => {
  it('has the snippets the consumer test runs', () => {
    expect(snippets.map((s) => s.where).sort()).toEqual(
      ['src/game/main.ts #config', 'src/game/main.ts #plugin', 'src/game/scenes/Harbor.ts #bind', 'src/game/tools.ts #tool', 'vite/config.dev.mjs #vite'].sort(),
    );
  });

  it.each(snippets)('shows $where verbatim', ({ body }) => {
    expect(README).toContain(body);
  });

  it('shows the persona file verbatim', () => {
    expect(README).toContain(readFileSync(path.join(GAME, 'personas', 'ferryman.json'), 'utf8'));
  });
});

const REPLAY_EXAMPLE = fileURLToPath(new URL('../../integration/emulator/replayExample.test.ts', import.meta.url));

describe('README "Record and replay"', () => {
  const example = regions(readFileSync(REPLAY_EXAMPLE, 'utf8'));

  it('has the regions of the replay example test', () => {
    expect(example.map((r) => r.name)).toEqual(['replay-script', 'replay']);
  });

  it.each(example)('shows replayExample.test.ts #$name verbatim', ({ body }) => {
    expect(README).toContain(body);
  });
});
