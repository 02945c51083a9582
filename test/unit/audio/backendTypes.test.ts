import { describe, expect, it } from 'vitest';
import type { AudioBackend } from '../../../plugin/audioBackend.js';
import type { MicCapture } from '../../../plugin/audio/MicCapture.js';
import type { VoiceMixer, VoiceMixerOptions } from '../../../plugin/audio/VoiceMixer.js';
import type { Howl } from 'howler';
import { MicUnavailableError } from '../../../plugin/audio/MicUnavailableError.js';
import { micUnavailableReason } from '../../../plugin/audioBackend.js';

// Compile-time checks: the audio layer plugs into the plugin's AudioBackend as its docs say, and a real Howl can be
// ducked. tsc fails on these lines if the shapes drift apart.
type Mixer = new (o: VoiceMixerOptions) => VoiceMixer;
export function wire(Mixer: Mixer, open: typeof MicCapture.open, mixer: VoiceMixer, music: Howl): AudioBackend {
  mixer.duckHowls([music]);
  return { createMixer: (o) => new Mixer(o), openMic: open };
}

describe('MicUnavailableError', () => {
  it('carries a reason the plugin reads back, and the plugin error code', () => {
    const err = new MicUnavailableError('denied', 'no');
    expect(micUnavailableReason(err)).toBe('denied');
    expect(err.code).toBe('mic_unavailable');
    expect(err).toBeInstanceOf(Error);
  });
});
