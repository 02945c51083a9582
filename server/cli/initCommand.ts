import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parsePersona } from '../../plugin/shared/parsePersona.js';
import { PERSONA_JSON_SCHEMA_PATH } from '../personas/personaJsonSchema.js';
import { CliUsageError, defaultPersonaDir, parseCommandArgs, type CliIo, type CommandResult } from './commandLine.js';
import { bindSnippet, starterPersona, STARTER_PERSONA_ID } from './starterPersona.js';

/** `phaser-npc-voice init --help`. */
export const INIT_HELP = `Usage: phaser-npc-voice init [<dir>] [--id <id>]

Writes a starter persona, <dir>/<id>.json, whose $schema points at the installed persona.schema.json (editor
autocompletion), and prints the lines of code that bind it to a sprite. Never overwrites a file.

  <dir>      folder to write into, created if missing (default ./assets/personas when it exists, else ./personas)
  --id <id>  persona id and file name (default ${STARTER_PERSONA_ID}): lowercase letters, digits, _ and -
  --help     this text

Exit codes: 0 written, 1 the file already exists, 2 bad usage.`;

/**
 * `$schema` for a persona in `dir`, relative and with forward slashes: the schema of the phaser-npc-voice installed
 * in a `node_modules` above `dir` (the game's dependency), else the one of the package running this CLI (this repo).
 */
export function schemaRefFor(dir: string): string {
  const from = path.resolve(dir);
  let target = PERSONA_JSON_SCHEMA_PATH;
  for (let at = from; ; at = path.dirname(at)) {
    const installed = path.join(at, 'node_modules', 'phaser-npc-voice', 'assets', 'persona.schema.json');
    if (existsSync(installed)) {
      target = installed;
      break;
    }
    if (path.dirname(at) === at) break;
  }
  return path.relative(from, target).split(path.sep).join('/');
}

/** `phaser-npc-voice init`: writes a starter persona, refusing to overwrite one. */
export async function initCommand(io: CliIo, args: string[]): Promise<CommandResult> {
  const { values, positionals } = parseCommandArgs(
    'init',
    args,
    { id: { type: 'string', default: STARTER_PERSONA_ID }, help: { type: 'boolean', default: false } },
    true,
  );
  if (values.help) {
    io.out(`${INIT_HELP}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new CliUsageError(`init: one folder at most, got ${positionals.join(' ')}`);
  const dir = positionals[0] ?? defaultPersonaDir();
  const id = values.id;
  const persona = starterPersona(id, schemaRefFor(dir));
  const checked = parsePersona(persona, `${id}.json`);
  if (!checked.ok) throw new CliUsageError(`init: --id ${JSON.stringify(id)} is not a persona id (${checked.error.issues[0]?.message})`);

  const file = path.join(dir, `${id}.json`);
  await mkdir(dir, { recursive: true });
  try {
    await writeFile(file, `${JSON.stringify(persona, null, 2)}\n`, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    io.err(`error: ${file} already exists; init never overwrites a persona. Pick another --id or folder, or edit that file.\n`);
    return 1;
  }
  const importPath = `./${path.relative(process.cwd(), file).split(path.sep).join('/')}`.replace(/^\.\/\.\.\//, '../');
  io.out(`wrote ${file} ($schema: ${persona.$schema})\n\n`);
  io.out(`Bind it in your game:\n\n${bindSnippet(id, importPath)}\n\n`);
  io.out(`Then run \`npx phaser-npc-voice dev\` (mint route + local emulator) and \`npx phaser-npc-voice validate\` in CI.\n`);
  return 0;
}
