import type { MicUnavailableReason } from '../audioBackend.js';
import { NpcVoiceError } from '../errors.js';

/**
 * The microphone cannot be used: the player `denied` permission, there is no input device (`absent`), the
 * page's Content-Security-Policy kept the capture worklet from loading (`blocked`), or the browser/page cannot capture
 * audio at all (`unsupported`: no getUserMedia, no AudioWorklet, insecure origin).
 */
export class MicUnavailableError extends NpcVoiceError {
  override readonly name = 'MicUnavailableError';
  declare readonly code: 'mic_unavailable';
  constructor(
    readonly reason: MicUnavailableReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('mic_unavailable', message, options);
  }
}
