import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One import of a module, as written. */
export interface ImportEdge {
  /** The importing file, relative to the root, with `/` separators. */
  from: string;
  /** 1-based line of the import. */
  line: number;
  /** The specifier as written (`'./x.js'`, `'phaser'`). */
  specifier: string;
  /** The imported file relative to the root, or null for a package (or a file that does not exist). */
  to: string | null;
  /** Whether only types are imported (`import type`, `export type … from`, `import('x').T`): erased from the JS. */
  typeOnly: boolean;
}

/** The modules under some folders and their imports. */
export interface ImportGraph {
  files: readonly string[];
  edges: readonly ImportEdge[];
}

/**
 * The imports of one TypeScript source, parsed with the compiler (so comments, strings and multi-line imports are
 * read as the compiler reads them). `import { type A } from 'x'` is a runtime import: with `verbatimModuleSyntax` it
 * stays in the JS as `import {} from 'x'`, which loads the module.
 */
export function importsOf(fileName: string, text: string): Omit<ImportEdge, 'from' | 'to'>[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Omit<ImportEdge, 'from' | 'to'>[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined, typeOnly: boolean): void => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    out.push({ line, specifier: specifier.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) add(node, node.moduleSpecifier, node.importClause?.isTypeOnly === true);
    else if (ts.isExportDeclaration(node)) add(node, node.moduleSpecifier, node.isTypeOnly);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal, true);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node, node.arguments[0], false);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The file a relative specifier names (`./x.js` → `x.ts` or `x.d.ts`; Vite's `?worker&url` queries dropped), or null. */
function resolveRelative(root: string, from: string, specifier: string): string | null {
  const bare = specifier.replace(/\?.*$/, '');
  const base = posix.join(posix.dirname(from), bare);
  const stem = base.replace(/\.(m?js)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.d.ts`, `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => isFile(join(root, c))) ?? null;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

function sourceFiles(root: string, folder: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    out.push(relative(root, join(entry.parentPath, entry.name)).split(sep).join('/'));
  }
  return out.sort();
}

/** Reads every `.ts` file under `folders` (relative to `root`) and resolves its relative imports. */
export function readImportGraph(root: string, folders: readonly string[]): ImportGraph {
  const files = folders.flatMap((f) => sourceFiles(root, f));
  const edges = files.flatMap((from) =>
    importsOf(from, readFileSync(join(root, from), 'utf8')).map((i) => ({
      ...i,
      from,
      to: i.specifier.startsWith('.') ? resolveRelative(root, from, i.specifier) : null,
    })),
  );
  return { files, edges };
}

/** `a.ts → b.ts → a.ts`: a chain of files, each importing the next. */
export function formatChain(chain: readonly string[]): string {
  return chain.join(' → ');
}

/**
 * The import circles of a graph, one per strongly connected component (Tarjan), each as the chain of files that
 * closes it (`[a, b, c, a]`). Type-only imports count: a circle of types still ties the modules into one unit.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const next = new Map<string, string[]>();
  for (const e of graph.edges) {
    if (e.to === null) continue;
    const list = next.get(e.from) ?? [];
    if (!list.includes(e.to)) list.push(e.to);
    next.set(e.from, list);
  }
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const strongConnect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        strongConnect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    const selfLoop = (next.get(v) ?? []).includes(v);
    if (component.length > 1 || selfLoop) components.push(component);
  };
  for (const file of [...next.keys()].sort()) if (!index.has(file)) strongConnect(file);
  // Name each circle by a concrete chain inside its component, from its first file back to it.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0]!;
    return [...shortestPath(next, start, (f) => f === start, members)!];
  });
}

/** Breadth-first: the shortest chain from `start` to a node `isGoal` accepts (at least one step), within `within`. */
function shortestPath(
  next: ReadonlyMap<string, readonly string[]>,
  start: string,
  isGoal: (node: string) => boolean,
  within?: ReadonlySet<string>,
): string[] | null {
  const parent = new Map<string, string>();
  const queue = [start];
  const seen = new Set<string>([start]);
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (within && !within.has(w)) continue;
      if (isGoal(w)) {
        const chain = [w, v];
        let p = v;
        while (p !== start) {
          p = parent.get(p)!;
          chain.push(p);
        }
        return chain.reverse();
      }
      if (seen.has(w)) continue;
      seen.add(w);
      parent.set(w, v);
      queue.push(w);
    }
  }
  return null;
}

/**
 * The chain by which `from` loads a package at run time (`['plugin/a.ts', 'plugin/b.ts', 'phaser']`), following
 * only imports that stay in the JS, or null when it does not.
 */
export function runtimeChainToPackage(graph: ImportGraph, from: string, isPackage: (specifier: string) => boolean): string[] | null {
  const next = new Map<string, string[]>();
  for (const e of graph.edges) {
    if (e.typeOnly) continue;
    const target = e.to ?? (isPackage(e.specifier) ? `package:${e.specifier}` : null);
    if (target === null) continue;
    const list = next.get(e.from) ?? [];
    list.push(target);
    next.set(e.from, list);
  }
  const chain = shortestPath(next, from, (node) => node.startsWith('package:'));
  return chain && chain.map((node) => node.replace(/^package:/, ''));
}

/** The folder of this repository (two levels above `test/support/`). */
export const REPO_ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
