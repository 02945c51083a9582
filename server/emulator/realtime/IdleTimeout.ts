/** Options of {@link IdleTimeout}. */
export interface IdleTimeoutOptions {
  /** The input audio clock (ms of input received), on which `audio_start_ms` / `audio_end_ms` are reported. */
  inputPositionMs: () => number;
  /** The wait ran out: `audioStartMs` is where the silence began on the input clock, `audioEndMs` where it ends. */
  fire: (audioStartMs: number, audioEndMs: number) => void;
}

/**
 * The server VAD's `idle_timeout_ms`: after the assistant's last response has finished playing, this much silence
 * makes the service prompt the player (`input_audio_buffer.timeout_triggered` and a response). Wall-clock based, so it
 * runs whether or not the client streams its (silent) microphone; any activity disarms it.
 */
export class IdleTimeout {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: IdleTimeoutOptions) {}

  /** Whether a wait is running. */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /**
   * Starts (or restarts) the wait: `playbackMs` of the assistant's audio still to be heard, then `idleMs` of silence.
   */
  arm(idleMs: number, playbackMs: number): void {
    this.disarm();
    const armedAt = this.options.inputPositionMs();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const end = this.options.inputPositionMs();
      // Where the playback ended on the input clock; a client that streams no audio has an input clock that stands still.
      this.options.fire(Math.min(end, Math.round(armedAt + playbackMs)), end);
    }, Math.max(0, playbackMs + idleMs));
    this.timer.unref();
  }

  /** Stops the wait (speech, a client event, the session closing). Safe to call when not armed. */
  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
