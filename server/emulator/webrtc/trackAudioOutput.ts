import type { AudioOutput } from '../realtime/AudioOutput.js';
import type { AudioFramePacer } from './AudioFramePacer.js';

/**
 * The WebRTC transport's audio output: the call's outgoing media track, played in real time by `pacer`, which reports
 * `output_audio_buffer.started/stopped` itself and tells, when cleared, what had actually been played.
 */
export function trackAudioOutput(pacer: AudioFramePacer): AudioOutput {
  return {
    buffered: true,
    write: (chunk) => pacer.write(chunk.pcm, chunk.responseId, chunk.itemId),
    end: (responseId) => pacer.end(responseId),
    clear: () => pacer.clear(),
  };
}
