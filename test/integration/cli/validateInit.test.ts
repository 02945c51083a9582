import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const repoSchema = path.join(repo, 'assets', 'persona.schema.json');

async function guard(): Promise<Record<string, unknown>> {
  const value: unknown = JSON.parse(await readFile(path.join(repo, 'assets', 'personas', 'guard.json'), 'utf8'));
  if (typeof value !== 'object' || value === null) throw new Error('guard.json is not an object');
  return { ...value };
}

describe('phaser-npc-voice validate', () => {
  it.each([
    { kind: 'bad JSON', file: 'guard.json', text: async () => '{\n  "id": "guard",\n}', line: /^guard\.json: not valid JSON: .*\(line 3,? column 1\)$/m },
    { kind: 'an unknown field', file: 'guard.json', text: async () => JSON.stringify({ ...(await guard()), localVoice: { engine: 'flite', voice: 'kal16', pich: 3 } }), line: /^guard\.json: at "localVoice\.pich": unknown field "pich"/m },
    { kind: 'a value outside the enum', file: 'guard.json', text: async () => JSON.stringify({ ...(await guard()), voice: 'robot' }), line: /^guard\.json: at "voice": .*alloy/m },
    { kind: 'a wrong type', file: 'guard.json', text: async () => JSON.stringify({ ...(await guard()), hearingRadiusPx: 'far' }), line: /^guard\.json: at "hearingRadiusPx": .*number/m },
    { kind: 'a missing required field', file: 'guard.json', text: async () => JSON.stringify({ ...(await guard()), greeting: undefined }), line: /^guard\.json: at "greeting": missing required field/m },
    { kind: 'an id that does not match the file name', file: 'captain.json', text: async () => JSON.stringify(await guard()), line: /^captain\.json: at "id": id "guard" must match the file name \(guard\.json\)$/m },
  ])('exits 1 and names the file and field for $kind', async ({ file, text, line }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cli-validate-'));
    await writeFile(path.join(dir, file), await text());
    const result = await runCli(['validate', file], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(line);
    expect(result.stdout).toMatch(/^1 problem; 0 of 1 persona file valid$/m);
  });

  it('reports every problem in a folder, one line each, and exits 1', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cli-validate-'));
    await writeFile(path.join(dir, 'guard.json'), JSON.stringify({ ...(await guard()), voice: 'robot', hearingRadiusPx: -1 }));
    await writeFile(path.join(dir, 'broken.json'), 'nope');
    const result = await runCli(['validate', '.'], { cwd: dir });
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^broken\.json: not valid JSON/);
    expect(lines.filter((l) => l.startsWith('guard.json: at "'))).toHaveLength(2);
    expect(lines[3]).toBe('3 problems; 0 of 2 persona files valid');
  });

  it('exits 0 with a summary on the real assets/personas', async () => {
    const result = await runCli(['validate', 'assets/personas'], { cwd: repo });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('ok: 3 personas valid in assets/personas (blacksmith, guard, herbalist)\n');
  });

  it('defaults to ./assets/personas over ./personas, and fails when it finds no persona file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cli-validate-'));
    await mkdir(path.join(dir, 'assets', 'personas'), { recursive: true });
    await mkdir(path.join(dir, 'personas'));
    await writeFile(path.join(dir, 'personas', 'broken.json'), 'nope');
    const empty = await runCli(['validate'], { cwd: dir });
    expect(empty.code).toBe(1);
    expect(empty.stdout).toBe(`${path.join('assets', 'personas')}: no persona files (*.json) found\n`);
    await writeFile(path.join(dir, 'assets', 'personas', 'guard.json'), JSON.stringify(await guard()));
    const ok = await runCli(['validate'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('ok: 1 persona valid in assets/personas (guard)');
  });
});

describe('phaser-npc-voice init', () => {
  it('writes a starter persona pointing at the installed schema that validates, prints the binding code, and never overwrites', async () => {
    const project = await mkdtemp(path.join(os.tmpdir(), 'cli-init-'));
    const installed = path.join(project, 'node_modules', 'phaser-npc-voice', 'assets');
    await mkdir(installed, { recursive: true });
    await copyFile(repoSchema, path.join(installed, 'persona.schema.json'));

    const first = await runCli(['init'], { cwd: project });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const file = path.join(project, 'personas', 'innkeeper.json');
    const text = await readFile(file, 'utf8');
    const persona: unknown = JSON.parse(text);
    expect(persona).toMatchObject({ $schema: '../node_modules/phaser-npc-voice/assets/persona.schema.json', id: 'innkeeper', displayName: 'Greta the Innkeeper' });
    expect(['blacksmith', 'guard', 'herbalist']).not.toContain((persona as { id: string }).id);
    expect(first.stdout).toContain(`import { createNpcVoicePlugin, webAudioBackend } from 'phaser-npc-voice';`);
    expect(first.stdout).toContain(`import innkeeper from './personas/innkeeper.json';`);
    expect(first.stdout).toContain('createNpcVoicePlugin({ personas: { innkeeper }, audio: webAudioBackend');
    expect(first.stdout).toContain(`this.npcVoice.bind(this.add.sprite(400, 300, 'innkeeper'), 'innkeeper')`);
    expect(first.stdout).toContain(`npc.say('hello')`);

    const valid = await runCli(['validate'], { cwd: project });
    expect(valid.code).toBe(0);
    expect(valid.stdout).toBe('ok: 1 persona valid in personas (innkeeper)\n');

    const second = await runCli(['init'], { cwd: project });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`error: ${path.join('personas', 'innkeeper.json')} already exists; init never overwrites a persona`);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it("points $schema at this repo's schema when no installed package is found", async () => {
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'cli-init-')), 'npcs');
    const result = await runCli(['init', dir, '--id', 'ferry-man'], { cwd: repo });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`createNpcVoicePlugin({ personas: { 'ferry-man': ferryMan }`);
    const persona = JSON.parse(await readFile(path.join(dir, 'ferry-man.json'), 'utf8')) as { $schema: string; id: string };
    expect(persona.id).toBe('ferry-man');
    expect(path.resolve(dir, persona.$schema)).toBe(repoSchema);
  });
});
