import { stat } from 'node:fs/promises';
import { formatPersonaIssue } from '../../plugin/shared/parsePersona.js';
import { checkPersonaFiles, personaFilesIn } from '../personas/loadPersonas.js';
import { defaultPersonaDir, parseCommandArgs, type CliIo, type CommandResult } from './commandLine.js';

/** `phaser-npc-voice validate --help`. */
export const VALIDATE_HELP = `Usage: phaser-npc-voice validate [<dir> | <file>…]

Checks persona files against the persona schema, each id against its file name and ids against each other, the
same checks the server makes at startup. For CI.

  <dir>    every *.json in it (default ./assets/personas when it exists, else ./personas)
  <file>   these files (folders and files may be mixed)
  --help   this text

Prints one \`<file>: at "<field>": <problem>\` line per problem and exits 1; exits 0 with a one-line summary when all
are valid. Finding no persona file at all is a failure (exit 1); bad usage exits 2.`;

/** `phaser-npc-voice validate`: exit 0 when every persona named is valid, 1 with a line per problem otherwise. */
export async function validateCommand(io: CliIo, args: string[]): Promise<CommandResult> {
  const { values, positionals } = parseCommandArgs('validate', args, { help: { type: 'boolean', default: false } }, true);
  if (values.help) {
    io.out(`${VALIDATE_HELP}\n`);
    return 0;
  }
  const targets = positionals.length > 0 ? positionals : [defaultPersonaDir()];
  const files: string[] = [];
  const problems: string[] = [];
  for (const target of targets) {
    const info = await stat(target).catch(() => undefined);
    if (info === undefined) problems.push(`${target}: no such file or folder`);
    else if (info.isDirectory()) files.push(...(await personaFilesIn(target)));
    else files.push(target);
  }
  if (files.length === 0 && problems.length === 0) {
    io.out(`${targets.join(', ')}: no persona files (*.json) found\n`);
    return 1;
  }
  const { personas, errors } = await checkPersonaFiles(files);
  for (const error of errors) for (const issue of error.issues) problems.push(`${error.file}: ${formatPersonaIssue(issue)}`);
  for (const line of problems) io.out(`${line}\n`);
  if (problems.length > 0) {
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    io.out(`${plural(problems.length, 'problem')}; ${personas.size} of ${plural(files.length, 'persona file')} valid\n`);
    return 1;
  }
  io.out(`ok: ${personas.size} persona${personas.size === 1 ? '' : 's'} valid in ${targets.join(', ')} (${[...personas.keys()].join(', ')})\n`);
  return 0;
}
