// PCM16 helpers shared by the browser plugin and the Node emulator. Deliberately free of Node's Buffer so the same
// code runs in the page (mic capture, playback) and on the server.

/** The Realtime API's `audio/pcm` format: PCM16 mono at 24 kHz, in both directions. */
export const PCM_RATE_HZ = 24_000;
/** Samples in one millisecond of {@link PCM_RATE_HZ} audio. */
export const PCM_SAMPLES_PER_MS = PCM_RATE_HZ / 1000;

/** Converts float samples in [-1, 1] to PCM16, clamping out-of-range values instead of wrapping them. */
export function floatToPcm16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] ?? 0;
    // NaN would otherwise become 0 silently only by accident of Int16Array coercion; make it explicit.
    const clamped = Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
    // Asymmetric scale so that -1 maps to -32768 and +1 to +32767 without overflow.
    out[i] = Math.round(clamped < 0 ? clamped * 32768 : clamped * 32767);
  }
  return out;
}

/** Converts PCM16 samples to floats in [-1, 1). */
export function pcm16ToFloat(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = (pcm[i] ?? 0) / 32768;
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Returns the samples as little-endian bytes (a copy), the byte order of the Realtime API's `audio/pcm`. */
export function pcm16Bytes(pcm: Int16Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength).slice();
  const out = new Uint8Array(pcm.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < pcm.length; i++) view.setInt16(i * 2, pcm[i] ?? 0, true);
  return out;
}

/** Joins chunks of samples into one array. */
export function concatPcm16(chunks: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Reads little-endian PCM16 bytes into samples (a trailing odd byte is ignored). */
export function pcm16FromBytes(bytes: Uint8Array): Int16Array {
  const n = bytes.length >> 1;
  const out = new Int16Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}

// String.fromCharCode.apply has an argument-count limit; 32 KiB chunks stay well below every engine's limit.
const CHUNK = 0x8000;

/** Encodes bytes as base64 with `btoa`, which exists in browsers and Node 18+. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + CHUNK)));
  }
  return btoa(binary);
}

/** Decodes base64 to bytes with `atob`. @throws DOMException when the input is not valid base64. */
export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Encodes PCM16 as base64 little-endian bytes, the payload of `input_audio_buffer.append` and `response.output_audio.delta`. */
export function pcm16ToBase64(pcm: Int16Array): string {
  return bytesToBase64(pcm16Bytes(pcm));
}

/** Decodes a base64 little-endian PCM16 payload. @throws DOMException when the input is not valid base64. */
export function base64ToPcm16(base64: string): Int16Array {
  return pcm16FromBytes(base64ToBytes(base64));
}

/** Root mean square on the [-1, 1] scale for either PCM16 or float samples; 0 for an empty buffer. */
export function rms(samples: Int16Array | Float32Array): number {
  if (samples.length === 0) return 0;
  const scale = samples instanceof Int16Array ? 1 / 32768 : 1;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = (samples[i] ?? 0) * scale;
    sum += v * v;
  }
  return Math.sqrt(sum / samples.length);
}

// G.711 μ-law (ITU-T G.711, the classic Sun/CCITT g711.c algorithm): bias 0x84, clip at 32635, 8 segments.
const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;

function segmentOf(value: number): number {
  // Position of the highest set bit above bit 7, i.e. which of the 8 logarithmic segments the value falls in.
  let seg = 0;
  for (let v = value >> 8; v > 0 && seg < 7; v >>= 1) seg++;
  return seg;
}

/** Encodes PCM16 to G.711 μ-law bytes (`audio/pcmu`). */
export function encodeMuLaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    let s = pcm[i] ?? 0;
    const sign = s < 0 ? 0x80 : 0;
    if (s < 0) s = -s;
    if (s > MULAW_CLIP) s = MULAW_CLIP;
    s += MULAW_BIAS;
    const seg = segmentOf(s);
    const mantissa = (s >> (seg + 3)) & 0x0f;
    out[i] = ~(sign | (seg << 4) | mantissa) & 0xff;
  }
  return out;
}

/** Decodes G.711 μ-law bytes to PCM16. */
export function decodeMuLaw(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const u = ~(bytes[i] ?? 0) & 0xff;
    const seg = (u >> 4) & 0x07;
    const magnitude = ((((u & 0x0f) << 3) + MULAW_BIAS) << seg) - MULAW_BIAS;
    out[i] = u & 0x80 ? -magnitude : magnitude;
  }
  return out;
}

/** Encodes PCM16 to G.711 A-law bytes (`audio/pcma`). */
export function encodeALaw(pcm: Int16Array): Uint8Array {
  const out = new Uint8Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) {
    // A-law works on 13-bit magnitudes; the sign bit is set for positive values before the 0x55 inversion.
    let s = (pcm[i] ?? 0) >> 3;
    let mask: number;
    if (s >= 0) {
      mask = 0xd5;
    } else {
      mask = 0x55;
      s = -s - 1;
    }
    let seg = 0;
    for (let v = s >> 5; v > 0 && seg < 8; v >>= 1) seg++;
    let code: number;
    if (seg >= 8) code = 0x7f;
    else code = (seg << 4) | ((seg < 2 ? s >> 1 : s >> seg) & 0x0f);
    out[i] = (code ^ mask) & 0xff;
  }
  return out;
}

/** Decodes G.711 A-law bytes to PCM16. */
export function decodeALaw(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const a = (bytes[i] ?? 0) ^ 0x55;
    const seg = (a & 0x70) >> 4;
    let t = (a & 0x0f) << 4;
    if (seg === 0) t += 8;
    else if (seg === 1) t += 0x108;
    else t = (t + 0x108) << (seg - 1);
    out[i] = a & 0x80 ? t : -t;
  }
  return out;
}
