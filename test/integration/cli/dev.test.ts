import { mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { RunningCli, runCli } from '../../support/cli.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** Writes a whole file at once (rename), so the watcher never sees it half written. */
async function save(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

async function mint(url: string, persona: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${url}/api/npc-voice/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ persona }),
  });
  return { status: response.status, body: await response.json() };
}

describe('phaser-npc-voice dev', () => {
  let cli: RunningCli | undefined;
  afterEach(async () => {
    await cli?.stop();
    cli = undefined;
  });

  it('serves a temp persona folder, mints keys for it, reloads on save and keeps the old persona on a bad edit', async () => {
    const project = await mkdtemp(path.join(os.tmpdir(), 'cli-dev-'));
    expect((await runCli(['init', 'npcs'], { cwd: project })).code).toBe(0);
    cli = RunningCli.start(['dev', '--port', '0', '--personas', 'npcs'], { cwd: project });
    const [, url] = await cli.waitFor('stdout', /listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
    expect(url).toBeDefined();
    const base = url!;
    await cli.waitFor('stdout', /personas: innkeeper \(npcs, reloaded when a file changes\)\n/);

    expect(await (await fetch(`${base}/healthz`)).json()).toMatchObject({ ok: true, mode: 'emulator', personas: ['innkeeper'] });
    const first = await mint(base, 'innkeeper');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ persona: 'innkeeper', mode: 'emulator', value: expect.stringMatching(/^ek_/) });
    expect((await mint(base, 'ferryman')).status).toBe(404);

    // A new persona file: reloaded, and minted for.
    const starter: unknown = JSON.parse(await readFile(path.join(project, 'npcs', 'innkeeper.json'), 'utf8'));
    const ferryman = { ...(starter as object), id: 'ferryman', displayName: 'Old Tom the Ferryman' };
    let from = cli.mark('stderr');
    await save(path.join(project, 'npcs', 'ferryman.json'), JSON.stringify(ferryman));
    await cli.waitFor('stderr', /personas reloaded from npcs: ferryman, innkeeper\n/, from);
    expect((await mint(base, 'ferryman')).status).toBe(200);

    // A bad edit: file and field named, the previous ferryman still mints.
    from = cli.mark('stderr');
    await save(path.join(project, 'npcs', 'ferryman.json'), JSON.stringify({ ...ferryman, voice: 'robot' }));
    const [bad] = await cli.waitFor('stderr', /personas not reloaded, the previous ones stay in use: .*\n.*\n/, from);
    expect(bad).toContain(`${path.join('npcs', 'ferryman.json')}: at "voice":`);
    expect((await mint(base, 'ferryman')).status).toBe(200);
    expect(await (await fetch(`${base}/healthz`)).json()).toMatchObject({ personas: ['ferryman', 'innkeeper'] });

    // Fixing it reloads again.
    from = cli.mark('stderr');
    await save(path.join(project, 'npcs', 'ferryman.json'), JSON.stringify({ ...ferryman, voice: 'sage' }));
    await cli.waitFor('stderr', /personas reloaded from npcs: ferryman, innkeeper\n/, from);

    expect(await cli.stop()).toBe(0);
    expect(cli.all()).not.toMatch(/sk-/);
  });

  it('defaults to ./assets/personas and never prints the API key', async () => {
    const project = await mkdtemp(path.join(os.tmpdir(), 'cli-dev-'));
    expect((await runCli(['init', path.join('assets', 'personas')], { cwd: project })).code).toBe(0);
    const key = 'sk-test-cli-0123456789abcdef';
    cli = RunningCli.start(['dev', '--port', '0'], { cwd: project, env: { ...process.env, OPENAI_API_KEY: key, NPC_VOICE_PERSONA_DIR: '' } });
    await cli.waitFor('stdout', /listening on http:\/\/127\.0\.0\.1:\d+\nmode: openai\npersonas: innkeeper \(assets\/personas, /);
    expect(await cli.stop()).toBe(0);
    expect(cli.all()).not.toContain(key);
  });

  it('exits 1 with a hint when there is no persona folder', async () => {
    const project = await mkdtemp(path.join(os.tmpdir(), 'cli-dev-'));
    const result = await runCli(['dev', '--port', '0'], { cwd: project });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: no persona folder at personas. Create one with `phaser-npc-voice init`');
  });

  it('keeps `tsx server/cli.ts --port 0` (no command: serve) answering for the demo personas', async () => {
    cli = RunningCli.start(['--port', '0'], { cwd: repo });
    const [, url] = await cli.waitFor('stdout', /listening on (http:\/\/127\.0\.0\.1:\d+)\n/);
    expect(await (await fetch(`${url!}/healthz`)).json()).toMatchObject({ personas: ['blacksmith', 'guard', 'herbalist'] });
  });
});
