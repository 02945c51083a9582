import { describe, expect, it } from 'vitest';
import { MicCapture } from '../../../plugin/audio/MicCapture.js';
import { MicUnavailableError } from '../../../plugin/audio/MicUnavailableError.js';

// Refusals are hard to reach in a real browser without a permission prompt, so getUserMedia is faked here; the
// working capture is covered in real Chromium (test/e2e/audio).
const ctx = {} as AudioContext;

async function reasonFor(getUserMedia: () => Promise<MediaStream>): Promise<unknown> {
  try {
    await MicCapture.open(ctx, { mediaDevices: { getUserMedia } });
    return 'opened';
  } catch (err) {
    return err instanceof MicUnavailableError ? err.reason : err;
  }
}

const domError = (name: string) => Object.assign(new Error(name), { name });

describe('MicCapture.open failures', () => {
  it('maps a refused permission to reason "denied"', async () => {
    expect(await reasonFor(() => Promise.reject(domError('NotAllowedError')))).toBe('denied');
    expect(await reasonFor(() => Promise.reject(domError('SecurityError')))).toBe('denied');
  });

  it('maps a missing or busy device to reason "absent"', async () => {
    expect(await reasonFor(() => Promise.reject(domError('NotFoundError')))).toBe('absent');
    expect(await reasonFor(() => Promise.reject(domError('NotReadableError')))).toBe('absent');
  });

  it('reports "unsupported" where there is no getUserMedia at all (Node, insecure origins)', async () => {
    await expect(MicCapture.open(ctx)).rejects.toMatchObject({ name: 'MicUnavailableError', reason: 'unsupported', code: 'mic_unavailable' });
  });

  it('stops the tracks and reports "unsupported" when the capture graph cannot be built', async () => {
    let stopped = 0;
    const track = { kind: 'audio', stop: () => stopped++ };
    const stream = { getAudioTracks: () => [track], getTracks: () => [track] } as unknown as MediaStream;
    // The context has no audioWorklet, as on an insecure origin.
    expect(await reasonFor(() => Promise.resolve(stream))).toBe('unsupported');
    expect(stopped).toBe(1);
  });
});
