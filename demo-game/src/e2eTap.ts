import meterUrl from './outputMeter.worklet.ts?worker&url';
import type { NpcVoiceDemoProbe, SoundSegment } from './automation.js';

interface MeterReport {
  type: 'on' | 'off' | 'energy';
  t: number;
  sumL?: number;
  sumR?: number;
  frames?: number;
}

/** One metered signal: its sound segments and accumulated energy per channel. */
class Meter {
  readonly segments: SoundSegment[] = [];
  energy = { sumL: 0, sumR: 0, frames: 0 };
  private base = { sumL: 0, sumR: 0, frames: 0 };

  constructor(readonly node: AudioWorkletNode) {
    node.port.onmessage = (e: MessageEvent<MeterReport>) => this.onReport(e.data);
  }

  private onReport(m: MeterReport): void {
    if (m.type === 'on') this.segments.push({ start: m.t, end: null });
    else if (m.type === 'off') {
      const open = this.segments[this.segments.length - 1];
      if (open && open.end === null) open.end = m.t;
    } else this.energy = { sumL: m.sumL ?? 0, sumR: m.sumR ?? 0, frames: m.frames ?? 0 };
  }

  resetEnergy(): void {
    this.base = { ...this.energy };
  }

  rms(): { left: number; right: number } {
    const frames = this.energy.frames - this.base.frames;
    if (frames <= 0) return { left: 0, right: 0 };
    return {
      left: Math.sqrt((this.energy.sumL - this.base.sumL) / frames),
      right: Math.sqrt((this.energy.sumR - this.base.sumR) / frames),
    };
  }
}

/**
 * The `?e2e=1` probe: an AudioWorklet meter on the game's master output (stereo, sample-accurate onsets) and one on
 * the microphone, both in the game's AudioContext so their times compare directly. Exposed as
 * `window.npcVoiceDemo.probe` for browser tests and the benchmark.
 */
export async function installProbe(context: AudioContext, output: AudioNode): Promise<NpcVoiceDemoProbe & { attachMic(track: MediaStreamTrack): void }> {
  await context.audioWorklet.addModule(meterUrl);
  const sink = context.createGain();
  sink.gain.value = 0;
  sink.connect(context.destination);
  const makeMeter = (threshold: number, holdS: number) => {
    const node = new AudioWorkletNode(context, 'npc-demo-meter', {
      numberOfInputs: 1,
      numberOfOutputs: 1,
      channelCount: 2,
      channelCountMode: 'explicit',
      channelInterpretation: 'speakers',
      processorOptions: { threshold, holdS },
    });
    // The meter must be pulled by the graph: route its (silent) output to the destination through a muted gain.
    node.connect(sink);
    return new Meter(node);
  };
  const out = makeMeter(0.01, 0.3);
  output.connect(out.node);
  // Player speech: a hold long enough to bridge the pauses between words of one utterance.
  const mic = makeMeter(0.02, 0.4);
  const keys: { key: string; down: boolean; t: number }[] = [];
  const onKey = (e: KeyboardEvent) => {
    if (!e.repeat) keys.push({ key: e.code, down: e.type === 'keydown', t: context.currentTime });
  };
  window.addEventListener('keydown', onKey, true);
  window.addEventListener('keyup', onKey, true);
  let micSource: MediaStreamAudioSourceNode | null = null;
  return {
    now: () => context.currentTime,
    contextState: () => context.state,
    output: () => out.segments.map((s) => ({ ...s })),
    mic: () => mic.segments.map((s) => ({ ...s })),
    keys: () => keys.map((k) => ({ ...k })),
    resetEnergy: () => out.resetEnergy(),
    outputRms: () => out.rms(),
    attachMic(track: MediaStreamTrack) {
      micSource?.disconnect();
      micSource = context.createMediaStreamSource(new MediaStream([track]));
      micSource.connect(mic.node);
    },
  };
}
