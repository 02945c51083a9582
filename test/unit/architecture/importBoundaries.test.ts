// The layering STYLE.md and DESIGN.md ask for, checked on every `npm test`: browser code never loads Node code,
// only the Phaser adapter loads Phaser (so the rest of the plugin runs in Node), and no module is part of an import
// circle. A failure names the import, or the chain of imports, to cut.
import { describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  findCycles,
  formatChain,
  importsOf,
  readImportGraph,
  runtimeChainToPackage,
  type ImportEdge,
  type ImportGraph,
} from '../../support/importGraph.js';

const isPhaser = (specifier: string): boolean => specifier === 'phaser' || specifier.startsWith('phaser/');
/** The Phaser adapter and the entry point that re-exports it: the only plugin modules that may load Phaser. */
const PHASER_ADAPTER = 'plugin/adapters/phaser/';
const mayLoadPhaser = (file: string): boolean => file.startsWith(PHASER_ADAPTER) || file === 'plugin/index.ts';
/** The package's own Node entry points, which plugin/ must not reach through the package name either. */
const SERVER_ENTRY = /^phaser-npc-voice\/(server|vite)(\/|$)/;

const graph = readImportGraph(REPO_ROOT, ['plugin', 'server']);

const where = (e: ImportEdge): string => `${e.from}:${e.line} → ${e.to ?? e.specifier}`;

describe('import boundaries of plugin/ and server/', () => {
  it('reads every relative import to a file that exists', () => {
    const unresolved = graph.edges.filter((e) => e.specifier.startsWith('.') && e.to === null).map(where);
    expect(unresolved, 'relative imports the check could not follow').toEqual([]);
    // The check sees what it polices: the adapter's Phaser import and the server's use of plugin/shared.
    expect(runtimeChainToPackage(graph, 'plugin/adapters/phaser/NpcVoicePlugin.ts', isPhaser)).toEqual(['plugin/adapters/phaser/NpcVoicePlugin.ts', 'phaser']);
    expect(graph.files.filter((f) => f.startsWith('plugin/core/')).length).toBeGreaterThan(5);
    expect(graph.edges.some((e) => e.from.startsWith('server/') && e.to?.startsWith('plugin/shared/'))).toBe(true);
  });

  it('never imports server/ from plugin/', () => {
    const offending = graph.edges
      .filter((e) => e.from.startsWith('plugin/') && (e.to?.startsWith('server/') || SERVER_ENTRY.test(e.specifier)))
      .map(where);
    expect(offending, 'plugin/ is browser code and must not import server/ (move what both need to plugin/shared/)').toEqual([]);
  });

  it('loads Phaser only from the Phaser adapter (type-only imports of Phaser are fine)', () => {
    const chains = graph.files
      .filter((f) => f.startsWith('plugin/') && !mayLoadPhaser(f))
      .map((f) => runtimeChainToPackage(graph, f, isPhaser))
      .filter((chain) => chain !== null)
      .map(formatChain);
    expect(chains, 'these plugin modules load Phaser at run time (use `import type`, or keep it in plugin/adapters/phaser/)').toEqual([]);
  });

  it('keeps plugin/core engine-agnostic: no Phaser, not even its types, and no adapter', () => {
    const offending = graph.edges
      .filter((e) => e.from.startsWith('plugin/core/') && (isPhaser(e.specifier) || e.to?.startsWith('plugin/adapters/')))
      .map(where);
    expect(offending, 'plugin/core talks to the engine through its host port (plugin/core/host.ts) only').toEqual([]);
  });

  it('has no import circles (type-only imports included)', () => {
    expect(findCycles(graph).map(formatChain), 'import circles: move the shared types down (plugin/types.ts)').toEqual([]);
  });
});

describe('the import graph the boundary check reads', () => {
  it('tells type-only imports from imports that stay in the JS', () => {
    const source = [
      "import type { A } from './a.js';",
      "import { type B } from './b.js';",
      'import {',
      '  c,',
      "} from './c.js';",
      "export type { D } from './d.js';",
      "export { e } from './e.js';",
      "type F = import('./f.js').F;",
      "const g = await import('./g.js');",
      "// import { h } from './h.js';",
    ].join('\n');
    expect(importsOf('x.ts', source)).toEqual([
      { line: 1, specifier: './a.js', typeOnly: true },
      { line: 2, specifier: './b.js', typeOnly: false },
      { line: 3, specifier: './c.js', typeOnly: false },
      { line: 6, specifier: './d.js', typeOnly: true },
      { line: 7, specifier: './e.js', typeOnly: false },
      { line: 8, specifier: './f.js', typeOnly: true },
      { line: 9, specifier: './g.js', typeOnly: false },
    ]);
  });

  const edge = (from: string, to: string | null, typeOnly = false, specifier = to ?? ''): ImportEdge => ({ from, to, typeOnly, specifier, line: 1 });

  it('names the chain of an import circle, type-only imports included', () => {
    // The circle this check was written to keep out: binding → session → events → binding, all `import type`.
    const circle: ImportGraph = {
      files: ['p/NpcBinding.ts', 'p/events.ts', 'p/session/NpcSession.ts', 'p/types.ts'],
      edges: [
        edge('p/NpcBinding.ts', 'p/session/NpcSession.ts', true),
        edge('p/session/NpcSession.ts', 'p/events.ts', true),
        edge('p/events.ts', 'p/NpcBinding.ts', true),
        edge('p/events.ts', 'p/types.ts', true),
      ],
    };
    expect(findCycles(circle).map(formatChain)).toEqual(['p/NpcBinding.ts → p/session/NpcSession.ts → p/events.ts → p/NpcBinding.ts']);
    const cut: ImportGraph = { ...circle, edges: [...circle.edges.slice(0, 1), edge('p/session/NpcSession.ts', 'p/types.ts', true), ...circle.edges.slice(2)] };
    expect(findCycles(cut)).toEqual([]);
  });

  it('follows imports that stay in the JS to the package they load, and not type-only ones', () => {
    const g: ImportGraph = {
      files: ['p/a.ts', 'p/b.ts', 'p/c.ts'],
      edges: [edge('p/a.ts', 'p/b.ts'), edge('p/b.ts', null, false, 'phaser'), edge('p/c.ts', 'p/b.ts', true)],
    };
    expect(runtimeChainToPackage(g, 'p/a.ts', isPhaser)).toEqual(['p/a.ts', 'p/b.ts', 'phaser']);
    expect(runtimeChainToPackage(g, 'p/c.ts', isPhaser)).toBeNull();
  });
});
