// Synthesises the demo's ambient loops with plain math into WAV files (assets/audio/): a soft village theme and a
// forge loop (hammer on anvil over a crackling fire). Deterministic (seeded noise); rerun with
// `npx tsx demo-game/scripts/makeAudio.ts`.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wavefile from 'wavefile';

const OUT = fileURLToPath(new URL('../../assets/audio/', import.meta.url));
const RATE_HZ = 22_050;

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function toPcm16(samples: Float32Array): Int16Array {
  let peak = 0;
  for (const v of samples) peak = Math.max(peak, Math.abs(v));
  const gain = peak > 0 ? 0.8 / peak : 0;
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = Math.round((samples[i] ?? 0) * gain * 32767);
  return out;
}

function writeWav(name: string, samples: Float32Array): void {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, RATE_HZ, '16', toPcm16(samples));
  writeFileSync(`${OUT}${name}`, wav.toBuffer());
  console.log(`wrote ${OUT}${name} (${(samples.length / RATE_HZ).toFixed(1)} s)`);
}

const midi = (n: number) => 440 * 2 ** ((n - 69) / 12);

/** 8 bars of a pentatonic tune over a drone, 12 s at 80 bpm: loops seamlessly (whole bars, notes end in the bar). */
function villageTheme(): Float32Array {
  const beatS = 60 / 80;
  const bars = 4;
  const lengthS = bars * 4 * beatS;
  const out = new Float32Array(Math.round(lengthS * RATE_HZ));
  // Melody (MIDI note, beats); D major pentatonic.
  const melody: [number, number][] = [
    [74, 1], [76, 1], [78, 2], [81, 1], [78, 1], [76, 2],
    [74, 1], [71, 1], [69, 2], [71, 1], [74, 1], [76, 2],
  ];
  let t = 0;
  for (const [note, beats] of melody) {
    const start = Math.round(t * beatS * RATE_HZ);
    const len = Math.round(beats * beatS * RATE_HZ);
    const f = midi(note);
    for (let i = 0; i < len && start + i < out.length; i++) {
      const s = i / RATE_HZ;
      const env = Math.min(1, s / 0.02) * Math.exp(-s * 2.2) * (1 - i / len);
      const v = Math.sin(2 * Math.PI * f * s) + 0.3 * Math.sin(4 * Math.PI * f * s);
      out[start + i] = (out[start + i] ?? 0) + 0.35 * env * v;
    }
    t += beats;
  }
  // Drone on D and A with a slow swell that returns to its start value at the loop point.
  for (let i = 0; i < out.length; i++) {
    const s = i / RATE_HZ;
    const swell = 0.6 + 0.4 * Math.sin((2 * Math.PI * s) / lengthS);
    const v = Math.sin(2 * Math.PI * midi(50) * s) + 0.6 * Math.sin(2 * Math.PI * midi(57) * s);
    out[i] = (out[i] ?? 0) + 0.12 * swell * v;
  }
  return out;
}

/** Two hammer strikes on the anvil per 2 s loop, over a fire crackle. */
function forgeLoop(): Float32Array {
  const lengthS = 2;
  const out = new Float32Array(lengthS * RATE_HZ);
  const rnd = seeded(42);
  let lp = 0;
  for (let i = 0; i < out.length; i++) {
    // Low-passed noise: the fire's roar, with sparse crackles.
    lp += 0.05 * (rnd() * 2 - 1 - lp);
    const crackle = rnd() < 0.0015 ? (rnd() * 2 - 1) * 0.8 : 0;
    out[i] = 0.5 * lp + crackle;
  }
  for (const hitS of [0.1, 0.85]) {
    const start = Math.round(hitS * RATE_HZ);
    for (let i = 0; start + i < out.length && i < RATE_HZ * 0.9; i++) {
      const s = i / RATE_HZ;
      const env = Math.exp(-s * 7);
      // Inharmonic partials: metal.
      const v = Math.sin(2 * Math.PI * 1180 * s) + 0.6 * Math.sin(2 * Math.PI * 2710 * s) + 0.4 * Math.sin(2 * Math.PI * 4150 * s);
      out[start + i] = (out[start + i] ?? 0) + 0.6 * env * v;
    }
  }
  return out;
}

mkdirSync(OUT, { recursive: true });
writeWav('village-theme.wav', villageTheme());
writeWav('forge.wav', forgeLoop());
