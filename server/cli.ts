// The `phaser-npc-voice` command (bin/phaser-npc-voice.mjs runs this file through tsx): dev, validate, init, serve.
import { ConfigError } from './config.js';
import { CliUsageError, type CliIo, type CommandResult } from './cli/commandLine.js';
import { initCommand } from './cli/initCommand.js';
import { devCommand, serveCommand } from './cli/serveCommand.js';
import { validateCommand } from './cli/validateCommand.js';

const HELP = `Usage: phaser-npc-voice <command> [options]

Commands:
  dev [--port <n>] [--host <h>] [--personas <dir>]
        the mint route and the local Realtime emulator for your personas, reloaded when a file changes
  validate [<dir> | <file>…]
        checks persona files (for CI): one line per problem and exit 1, or exit 0
  init [<dir>] [--id <id>]
        writes a starter persona and prints the code that binds it to a sprite
  serve [--port <n>] [--host <h>] [--demo] [--personas <dir>]
        the server for this package's demo personas (npm start = serve --demo, npm run server = serve)

With no command (only options), serve runs, so \`tsx server/cli.ts --demo\` still works.
\`phaser-npc-voice <command> --help\` describes one command.
Persona folder default (dev, validate, init): ./assets/personas when it exists, else ./personas.
Exit codes: 0 success, 1 failure (invalid personas, a file that exists, a server that cannot start), 2 bad usage.`;

const COMMANDS: Record<string, (io: CliIo, args: string[]) => Promise<CommandResult>> = {
  dev: devCommand,
  validate: validateCommand,
  init: initCommand,
  serve: serveCommand,
};

async function run(io: CliIo, argv: string[]): Promise<CommandResult> {
  const [first, ...rest] = argv;
  if (first === undefined || first.startsWith('-')) {
    if (first === '--help' || first === '-h') {
      io.out(`${HELP}\n`);
      return 0;
    }
    return serveCommand(io, argv);
  }
  if (first === 'help') {
    const topic = rest[0] !== undefined ? COMMANDS[rest[0]] : undefined;
    if (topic) return topic(io, ['--help']);
    io.out(`${HELP}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, first) ? COMMANDS[first] : undefined;
  if (!command) throw new CliUsageError(`unknown command "${first}"; one of ${Object.keys(COMMANDS).join(', ')} (see \`phaser-npc-voice --help\`)`);
  return command(io, rest);
}

const io: CliIo = {
  env: process.env,
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

run(io, process.argv.slice(2)).then(
  (result) => {
    if (result !== 'running') process.exitCode = result;
  },
  (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = err instanceof CliUsageError ? 2 : 1;
    // A server that failed halfway may hold handles; nothing else is running here.
    if (!(err instanceof CliUsageError || err instanceof ConfigError)) process.exit(1);
  },
);
