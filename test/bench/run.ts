import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * `npm run bench [-- --only <name,...>]`: runs every benchmark section (or the named ones) and writes
 * test/bench/RESULTS.md. Each section is a module exporting an async function that returns markdown; in the file it
 * sits between `<!-- bench:<name> -->` markers with the machine and date of the run that measured it, so `--only`
 * replaces just those sections and keeps the others as they were.
 */
const SECTIONS: { name: string; module: string; fn: string }[] = [
  { name: 'emulator', module: './emulatorBench.js', fn: 'runEmulatorBench' },
  { name: 'stt', module: './sttBench.js', fn: 'runSttBench' },
  { name: 'player', module: './playerBench.js', fn: 'runPlayerBench' },
  { name: 'webrtc', module: './webrtcBench.js', fn: 'runWebrtcBench' },
  { name: 'bundle', module: './bundleBench.js', fn: 'runBundleBench' },
  { name: 'demo', module: './demoBench.js', fn: 'runDemoBench' },
  { name: 'turns', module: './turnsBench.js', fn: 'runTurnsBench' },
  { name: 'images', module: './imagesBench.js', fn: 'runImagesBench' },
  { name: 'control', module: './controlBench.js', fn: 'runControlBench' },
  { name: 'open-vocabulary', module: './openVocabularyBench.js', fn: 'runOpenVocabularyBench' },
];

const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

const HEADER = [
  '# Benchmark results',
  '',
  'Written by `npm run bench`. Each section was measured in one run, on the machine and at the date under it;',
  '`npm run bench -- --only <name,…>` re-measures only the named sections.',
].join('\n');

function machine(): string {
  const cpus = os.cpus();
  const cpu = `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`;
  return `_Measured ${new Date().toISOString()} on ${cpu}, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}._`;
}

const START = (name: string) => `<!-- bench:${name} -->`;
const END = (name: string) => `<!-- /bench:${name} -->`;

/** The sections of an existing RESULTS.md, by name (an absent or unmarked file has none). */
async function readSections(): Promise<Map<string, string>> {
  const sections = new Map<string, string>();
  const text = await readFile(RESULTS, 'utf8').catch(() => '');
  for (const m of text.matchAll(/<!-- bench:([\w-]+) -->\n([\s\S]*?)\n<!-- \/bench:\1 -->/g)) {
    const [, name, body] = m;
    if (name !== undefined && body !== undefined) sections.set(name, body);
  }
  return sections;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const unknown = [...(only ?? [])].filter((name) => !SECTIONS.some((s) => s.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`bench: unknown section ${unknown.join(', ')} (sections: ${SECTIONS.map((s) => s.name).join(', ')})\n`);
    process.exitCode = 2;
    return;
  }
  const sections = await readSections();
  let failed = false;
  for (const section of SECTIONS) {
    if (only && !only.has(section.name)) continue;
    process.stdout.write(`bench: ${section.name}…\n`);
    try {
      const mod = (await import(section.module)) as Record<string, unknown>;
      const run = mod[section.fn];
      if (typeof run !== 'function') throw new Error(`${section.module} does not export ${section.fn}`);
      const markdown = (await (run as () => Promise<string>)()).trim();
      sections.set(section.name, `${markdown}\n\n${machine()}`);
      process.stdout.write(`${markdown}\n\n`);
    } catch (err) {
      failed = true;
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      sections.set(section.name, `## ${section.name}\n\nFailed: \`${message.split('\n')[0]}\`\n\n${machine()}`);
      process.stderr.write(`bench ${section.name} failed: ${message}\n`);
    }
  }
  const body = SECTIONS.filter((s) => sections.has(s.name)).map((s) => `${START(s.name)}\n${sections.get(s.name)}\n${END(s.name)}`);
  await writeFile(RESULTS, `${[HEADER, ...body].join('\n\n')}\n`);
  process.stdout.write(`wrote ${RESULTS}\n`);
  if (failed) process.exitCode = 1;
}

await main();
// @roamhq/wrtc segfaults on a natural exit once an RTCAudioSource existed; an explicit exit avoids it.
process.exit(process.exitCode ?? 0);
