import { execFile, spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

/** The `bin` the package declares: what `npx phaser-npc-voice` runs. */
export const CLI_BIN = fileURLToPath(new URL('../../bin/phaser-npc-voice.mjs', import.meta.url));

/** The environment the CLI runs with in tests: no API key (emulator mode), no persona folder override. */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, OPENAI_API_KEY: '', NPC_VOICE_PERSONA_DIR: '', ...extra };
}

/** How a finished CLI run ended. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI to completion as a child process (node + the bin launcher). */
export function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_BIN, ...args], { cwd: options.cwd, env: options.env ?? cliEnv() }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

type Stream = 'stdout' | 'stderr';

interface Waiter {
  stream: Stream;
  pattern: RegExp;
  from: number;
  resolve: (match: RegExpExecArray) => void;
  reject: (error: Error) => void;
}

/** A long-running CLI (`dev`, `serve`) whose output can be awaited line by line. */
export class RunningCli {
  readonly output: Record<Stream, string> = { stdout: '', stderr: '' };
  private readonly waiters = new Set<Waiter>();
  private exitCode: number | null | undefined;
  private readonly exited: Promise<number | null>;

  constructor(private readonly child: ChildProcessByStdio<null, Readable, Readable>) {
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream].on('data', (chunk: Buffer) => {
        this.output[stream] += chunk.toString();
        this.check();
      });
    }
    this.exited = once(child, 'exit').then(([code]) => {
      this.exitCode = typeof code === 'number' ? code : null;
      for (const waiter of this.waiters) waiter.reject(new Error(`the CLI exited (${this.exitCode}) before printing ${waiter.pattern}:\n${this.all()}`));
      this.waiters.clear();
      return this.exitCode;
    });
  }

  /** Starts `phaser-npc-voice <args>`. */
  static start(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): RunningCli {
    const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: options.cwd, env: options.env ?? cliEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    return new RunningCli(child);
  }

  /** How much of `stream` has been printed so far: pass it to {@link waitFor} to match only what comes after. */
  mark(stream: Stream): number {
    return this.output[stream].length;
  }

  /** Resolves with the first match of `pattern` in `stream` after offset `from`; rejects if the CLI exits first. */
  waitFor(stream: Stream, pattern: RegExp, from = 0): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      if (this.exitCode !== undefined) {
        reject(new Error(`the CLI has exited (${this.exitCode}):\n${this.all()}`));
        return;
      }
      this.waiters.add({ stream, pattern, from, resolve, reject });
      this.check();
    });
  }

  /** Sends SIGTERM and resolves with the exit code. Safe to call twice. */
  async stop(): Promise<number | null> {
    if (this.exitCode === undefined) this.child.kill('SIGTERM');
    return this.exited;
  }

  /** Everything printed, for failure messages. */
  all(): string {
    return `--- stdout\n${this.output.stdout}--- stderr\n${this.output.stderr}`;
  }

  private check(): void {
    for (const waiter of this.waiters) {
      const match = waiter.pattern.exec(this.output[waiter.stream].slice(waiter.from));
      if (match) {
        this.waiters.delete(waiter);
        waiter.resolve(match);
      }
    }
  }
}
