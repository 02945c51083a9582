import { encodeALaw, encodeMuLaw, floatToPcm16, pcm16Bytes, pcm16ToFloat } from '../../../plugin/shared/pcm16.js';
import { resample } from '../../../plugin/shared/resample.js';
import { SAMPLE_RATE_HZ } from '../speech/types.js';

/** The audio encodings a session can use: PCM16 at 24 kHz, or G.711 μ-law / A-law at 8 kHz. */
export type FormatKind = 'pcm' | 'pcmu' | 'pcma';

/** The encoding of a (filled) GA `audio.*.format` object; anything unknown is PCM. */
export function formatKind(format: unknown): FormatKind {
  const type = typeof format === 'object' && format !== null && 'type' in format ? format.type : undefined;
  return type === 'audio/pcmu' ? 'pcmu' : type === 'audio/pcma' ? 'pcma' : 'pcm';
}

/** Duration of `bytes` of audio in `kind`. */
export function bytesToMs(bytes: number, kind: FormatKind): number {
  return kind === 'pcm' ? bytes / 48 : bytes / 8;
}

/** Bytes of `kind` audio that last `ms` (whole samples). */
export function msToBytes(ms: number, kind: FormatKind): number {
  return kind === 'pcm' ? Math.floor(ms * 24) * 2 : Math.floor(ms * 8);
}

/** PCM16 24 kHz audio encoded for the wire in `kind`. */
export function encodeOutput(pcm: Int16Array, kind: FormatKind): Uint8Array {
  if (kind === 'pcm') return pcm16Bytes(pcm);
  const narrow = floatToPcm16(resample(pcm16ToFloat(pcm), SAMPLE_RATE_HZ, 8000));
  return kind === 'pcmu' ? encodeMuLaw(narrow) : encodeALaw(narrow);
}
