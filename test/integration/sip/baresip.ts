// Drives Debian's baresip (the `baresip-core` package) headless as the caller of the SIP tests: a config folder made
// for the test, the microphone an `aufile` WAV that the test switches (`/ausrc`), what it hears dumped by `sndfile`,
// commands typed on its stdin (the `menu` module) and its console lines awaited, never slept on.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';

/** Whether the baresip binary is installed (`apt-get install baresip-core`). */
export function baresipInstalled(): boolean {
  return spawnSync('baresip', ['-h'], { stdio: 'ignore' }).error === undefined;
}

/** PCM16 mono at 8 kHz as a WAV file's bytes (what aufile reads at `ausrc_srate 8000`). */
export function wav8k(pcm: Int16Array): Buffer {
  const file = new wavefile.WaveFile();
  file.fromScratch(1, 8000, '16', Array.from(pcm));
  return Buffer.from(file.toBuffer());
}

/** A running baresip user agent with its own config folder. */
export class Baresip {
  readonly dir: string;
  private readonly child: ChildProcessWithoutNullStreams;
  private output = '';
  private readonly waiters = new Set<{ pattern: RegExp; from: number; resolve: (match: RegExpExecArray) => void }>();
  private exited: Promise<number | null>;

  private constructor(dir: string, child: ChildProcessWithoutNullStreams) {
    this.dir = dir;
    this.child = child;
    const onData = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8');
      for (const waiter of [...this.waiters]) {
        const match = waiter.pattern.exec(this.output.slice(waiter.from));
        if (match) {
          this.waiters.delete(waiter);
          waiter.resolve(match);
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts baresip with `microphone` as its first audio source; resolves once it says it is ready. */
  static async start(microphone: Buffer, codec: 'PCMU' | 'PCMA' = 'PCMU'): Promise<Baresip> {
    const dir = mkdtempSync(join(tmpdir(), 'npc-voice-baresip-'));
    writeFileSync(join(dir, 'mic.wav'), microphone);
    writeFileSync(
      join(dir, 'config'),
      [
        'poll_method epoll',
        'sip_listen 127.0.0.1:0',
        'net_interface 127.0.0.1',
        `audio_source aufile,${join(dir, 'mic.wav')}`,
        // No sound card here: the player is a bridge nobody reads; what is heard is dumped by sndfile.
        'audio_player aubridge,nowhere',
        'audio_alert aubridge,nowhere',
        'ausrc_srate 8000',
        'auplay_srate 8000',
        'audio_channels 1',
        `audio_codecs ${codec}/8000/1`,
        'module_path /usr/lib/baresip/modules',
        'module stdio.so',
        'module g711.so',
        'module aufile.so',
        'module aubridge.so',
        'module sndfile.so',
        'module_app account.so',
        'module_app menu.so',
        `snd_path ${dir}`,
        '',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'accounts'), '<sip:player@127.0.0.1>;regint=0\n');
    const child = spawn('baresip', ['-f', dir], { stdio: ['pipe', 'pipe', 'pipe'] });
    const agent = new Baresip(dir, child);
    await agent.waitFor(/baresip is ready/);
    return agent;
  }

  /** Everything baresip printed so far. */
  get log(): string {
    return this.output;
  }

  /** Waits for a console line matching `pattern` printed from now on (or already, with `fromStart`). */
  waitFor(pattern: RegExp, options: { timeoutMs?: number; fromStart?: boolean } = {}): Promise<RegExpExecArray> {
    const from = options.fromStart ? 0 : this.output.length;
    const already = pattern.exec(this.output.slice(from));
    if (already && options.fromStart) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`baresip printed no ${pattern} in ${options.timeoutMs ?? 15_000} ms; its console:\n${this.output.slice(-2000)}`));
      }, options.timeoutMs ?? 15_000);
      const waiter = {
        pattern,
        from,
        resolve: (match: RegExpExecArray) => {
          clearTimeout(timer);
          resolve(match);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Types one menu command (`/dial sip:…`, `/hangup`, `/ausrc aufile,<wav>`). */
  command(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Switches the microphone to `pcm` (8 kHz), as a caller starting to speak. */
  speak(name: string, wav: Buffer): void {
    const path = join(this.dir, `${name}.wav`);
    writeFileSync(path, wav);
    this.command(`/ausrc aufile,${path}`);
  }

  /** What baresip heard on its last call (sndfile's dump of the decoded stream), PCM16 at 8 kHz. */
  heard(): Int16Array {
    // One dump per call: the newest is the last call's.
    const file = readdirSync(this.dir)
      .filter((f) => f.endsWith('-dec.wav'))
      .sort((a, b) => statSync(join(this.dir, b)).mtimeMs - statSync(join(this.dir, a)).mtimeMs)[0];
    if (!file) throw new Error(`baresip dumped no received audio in ${this.dir}: ${readdirSync(this.dir).join(', ')}`);
    const wav = new wavefile.WaveFile(readFileSync(join(this.dir, file)));
    return Int16Array.from(wav.getSamples(false, Int16Array) as unknown as Int16Array);
  }

  /** Quits baresip and removes its folder. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.command('/quit');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
