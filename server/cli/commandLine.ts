import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command writes (stdout and stderr in the real CLI) and what it reads from the environment. */
export interface CliIo {
  env: Record<string, string | undefined>;
  /** Writes text to stdout (the caller adds line ends). */
  out(text: string): void;
  /** Writes text to stderr. */
  err(text: string): void;
}

/** A command's outcome: an exit code, or `running` for a server that exits on SIGINT/SIGTERM. */
export type CommandResult = number | 'running';

/** Thrown for an unknown command, option or a bad option value: the CLI prints it and exits with 2. */
export class CliUsageError extends Error {
  readonly code = 'invalid_usage';
  override readonly name = 'CliUsageError';
}

/** `parseArgs` (strict) whose complaints become {@link CliUsageError}s naming the command. */
export function parseCommandArgs<O extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: string[],
  options: O,
  allowPositionals = false,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new CliUsageError(`${command}: ${message} (see \`phaser-npc-voice ${command} --help\`)`);
  }
}

/**
 * A `--port` value as a number, or undefined when absent.
 * @throws CliUsageError when it is not a whole number 0–65535.
 */
export function parsePort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (value.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliUsageError(`--port must be a whole number 0–65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

/**
 * The developer's persona folder when none is named: `assets/personas` when it exists in the working directory
 * (the layout of this repo and of games that keep assets there), else `personas`. Relative, for messages.
 */
export function defaultPersonaDir(cwd: string = process.cwd()): string {
  const assets = path.join('assets', 'personas');
  return existsSync(path.resolve(cwd, assets)) ? assets : 'personas';
}
