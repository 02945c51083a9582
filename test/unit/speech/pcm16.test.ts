import { describe, expect, it } from 'vitest';
import {
  base64ToPcm16,
  decodeALaw,
  decodeMuLaw,
  encodeALaw,
  encodeMuLaw,
  floatToPcm16,
  pcm16Bytes,
  pcm16ToBase64,
  pcm16ToFloat,
  rms,
} from '../../../plugin/shared/pcm16.js';

/** Every PCM16 value once, the worst case for codecs. */
function allValues(): Int16Array {
  const out = new Int16Array(65536);
  for (let i = 0; i < out.length; i++) out[i] = i - 32768;
  return out;
}

describe('pcm16', () => {
  it('converts floats to PCM16 with clamping and back within one step', () => {
    const pcm = floatToPcm16(Float32Array.from([0, 0.5, -0.5, 1, -1, 2, -2, Number.NaN]));
    expect(Array.from(pcm)).toEqual([0, 16384, -16384, 32767, -32768, 32767, -32768, 0]);
    const back = pcm16ToFloat(pcm);
    expect(back[1]).toBeCloseTo(0.5, 4);
    expect(back[4]).toBe(-1);
  });

  it('lays samples out little-endian', () => {
    expect(Array.from(pcm16Bytes(Int16Array.from([0x0102, -2])))).toEqual([0x02, 0x01, 0xfe, 0xff]);
  });

  it('round-trips base64 exactly, including odd lengths and large buffers', () => {
    const pcm = allValues();
    expect(Array.from(base64ToPcm16(pcm16ToBase64(pcm)))).toEqual(Array.from(pcm));
    const small = Int16Array.from([1, -1, 300]);
    expect(pcm16ToBase64(small)).toBe(btoa(String.fromCharCode(1, 0, 255, 255, 44, 1)));
    expect(Array.from(base64ToPcm16(pcm16ToBase64(small)))).toEqual([1, -1, 300]);
    expect(base64ToPcm16('').length).toBe(0);
  });

  it('computes RMS on the [-1, 1] scale for both sample types', () => {
    expect(rms(Int16Array.from([16384, -16384]))).toBeCloseTo(0.5, 6);
    expect(rms(Float32Array.from([0.5, -0.5]))).toBeCloseTo(0.5, 6);
    expect(rms(new Int16Array(0))).toBe(0);
  });

  it('μ-law round trip keeps the error within the G.711 segment step', () => {
    const pcm = allValues();
    const back = decodeMuLaw(encodeMuLaw(pcm));
    for (let i = 0; i < pcm.length; i += 7) {
      const x = pcm[i] ?? 0;
      const err = Math.abs((back[i] ?? 0) - x);
      // Quantisation step doubles per segment: relative error ≤ ~1/32 plus the small-signal step.
      expect(err).toBeLessThanOrEqual(Math.max(8, Math.abs(x) / 16) + 1);
    }
    // Known G.711 values: silence encodes to 0xFF, and the decoder's full scale is ±32124.
    expect(Array.from(encodeMuLaw(Int16Array.from([0, 32767, -32768])))).toEqual([0xff, 0x80, 0x00]);
    expect(Array.from(decodeMuLaw(Uint8Array.from([0x80, 0x00, 0xff])))).toEqual([32124, -32124, 0]);
  });

  it('A-law round trip keeps the error within the G.711 segment step', () => {
    const pcm = allValues();
    const back = decodeALaw(encodeALaw(pcm));
    for (let i = 0; i < pcm.length; i += 7) {
      const x = pcm[i] ?? 0;
      expect(Math.abs((back[i] ?? 0) - x)).toBeLessThanOrEqual(Math.max(16, Math.abs(x) / 16) + 1);
    }
    // Known G.711 values: +0 encodes to 0xD5, and the decoder's full scale is ±32256.
    expect(Array.from(encodeALaw(Int16Array.from([0, 32767, -32768])))).toEqual([0xd5, 0xaa, 0x2a]);
    expect(Array.from(decodeALaw(Uint8Array.from([0xaa, 0x2a])))).toEqual([32256, -32256]);
  });

  it('G.711 keeps the signal-to-noise ratio of a speech-level sine above 30 dB', () => {
    const pcm = floatToPcm16(Float32Array.from({ length: 8000 }, (_, i) => 0.3 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
    for (const back of [decodeMuLaw(encodeMuLaw(pcm)), decodeALaw(encodeALaw(pcm))]) {
      const noise = Int16Array.from(back, (v, i) => v - (pcm[i] ?? 0));
      expect(20 * Math.log10(rms(pcm) / rms(noise))).toBeGreaterThan(30);
    }
  });
});
