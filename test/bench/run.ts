import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * `npm run bench [-- --only <name,...>]`: runs every benchmark section and writes test/bench/RESULTS.md with the
 * machine and the date. Each section is a module exporting an async function that returns markdown.
 */
const SECTIONS: { name: string; module: string; fn: string }[] = [
  { name: 'emulator', module: './emulatorBench.js', fn: 'runEmulatorBench' },
  { name: 'stt', module: './sttBench.js', fn: 'runSttBench' },
  { name: 'player', module: './playerBench.js', fn: 'runPlayerBench' },
  { name: 'webrtc', module: './webrtcBench.js', fn: 'runWebrtcBench' },
  { name: 'bundle', module: './bundleBench.js', fn: 'runBundleBench' },
  { name: 'demo', module: './demoBench.js', fn: 'runDemoBench' },
];

const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));

function machine(): string {
  const cpus = os.cpus();
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()} ${os.arch()}`,
    `- Node ${process.version}`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const parts = ['# Benchmark results', '', 'Written by `npm run bench`. Numbers from one run on the machine below.', '', machine(), ''];
  let failed = false;
  for (const section of SECTIONS) {
    if (only && !only.has(section.name)) continue;
    process.stdout.write(`bench: ${section.name}…\n`);
    try {
      const mod = (await import(section.module)) as Record<string, unknown>;
      const run = mod[section.fn];
      if (typeof run !== 'function') throw new Error(`${section.module} does not export ${section.fn}`);
      const markdown = (await (run as () => Promise<string>)()).trim();
      parts.push(markdown, '');
      process.stdout.write(`${markdown}\n\n`);
    } catch (err) {
      failed = true;
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      parts.push(`## ${section.name}`, '', `Failed: \`${message.split('\n')[0]}\``, '');
      process.stderr.write(`bench ${section.name} failed: ${message}\n`);
    }
  }
  await writeFile(RESULTS, `${parts.join('\n').trim()}\n`);
  process.stdout.write(`wrote ${RESULTS}\n`);
  if (failed) process.exitCode = 1;
}

await main();
// @roamhq/wrtc segfaults on a natural exit once an RTCAudioSource existed; an explicit exit avoids it.
process.exit(process.exitCode ?? 0);
