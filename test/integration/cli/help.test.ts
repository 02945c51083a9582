import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../support/cli.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

describe('phaser-npc-voice --help', () => {
  it.each([
    { args: ['--help'], names: ['dev', 'validate', 'init', 'serve', 'Exit codes'] },
    { args: ['dev', '--help'], names: ['--port', '--host', '--personas', 'listening on http://HOST:PORT'] },
    { args: ['validate', '--help'], names: ['<dir>', '<file>', 'exits 1', 'exits 0'] },
    { args: ['init', '--help'], names: ['<dir>', '--id', '$schema', 'overwrites'] },
    { args: ['serve', '--help'], names: ['--port', '--host', '--demo', '--personas', 'OPENAI_API_KEY', 'NPC_VOICE_PERSONA_DIR'] },
    { args: ['help', 'validate'], names: ['Usage: phaser-npc-voice validate'] },
  ])('$args exits 0 and names its options', async ({ args, names }) => {
    const result = await runCli(args, { cwd: repo });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: phaser-npc-voice/);
    for (const name of names) expect(result.stdout).toContain(name);
  });

  it('exits 2 naming the problem for an unknown command or option', async () => {
    const command = await runCli(['serv'], { cwd: repo });
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "serv"; one of dev, validate, init, serve');
    const option = await runCli(['validate', '--strict'], { cwd: repo });
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("validate: Unknown option '--strict'");
    const port = await runCli(['dev', '--port', 'eighty'], { cwd: repo });
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('--port must be a whole number 0–65535, got "eighty"');
  });
});
