import { PCM_SAMPLES_PER_MS as SAMPLES_PER_MS, concatPcm16, rms } from '../../shared/pcm16.js';

/** What a {@link WebRtcInput} drives: the call's data channel and microphone track. */
export interface WebRtcInputPort {
  /** Sends PCM16 24 kHz over the data channel (`input_audio_buffer.append`). */
  append(pcm: Int16Array): void;
  /** Enables or disables the microphone track the call sends (disabled sends silence). */
  setTrackEnabled(enabled: boolean): void;
  /** Commits the input buffer and asks for a response (push-to-talk release). */
  commit(): void;
  /** The call's last measured round-trip time, or null before the first measurement. */
  roundTripMs(): number | null;
}

/** Options of {@link WebRtcInput}; the defaults are what the browser tests measured on loopback. */
export interface WebRtcInputOptions {
  /**
   * One-way time from the microphone to the server's input buffer over the media track, before half the round trip:
   * capture buffer, Opus packetization (20 ms), the server's jitter buffer (default 150 ms; 80–100 ms measured on
   * loopback, with room for a busy machine).
   */
  mediaLatencyMs?: number;
  /** Local silence that counts as a pause, where audio may move from the data channel to the track (default 250). */
  pauseMs?: number;
  /** Most audio kept for the data channel before moving to the track without waiting for a pause (default 10 s). */
  maxBufferedMs?: number;
  /** RMS (full scale 1) above which a chunk counts as the player's voice (default 0.01, −40 dBFS). */
  voiceRms?: number;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/** Largest append over the data channel: 500 ms is 32 KB as base64, well under SCTP's 256 KiB message limit. */
const MAX_APPEND_SAMPLES = 500 * SAMPLES_PER_MS;

/**
 * How the player's voice reaches the server over one WebRTC call, without losing its first or last words.
 *
 * The media track only starts carrying the microphone some time after it opens (a call set up before the mic, a
 * placeholder swapped for the mic), and everything on it arrives {@link WebRtcInputOptions.mediaLatencyMs} late.
 * So the microphone's PCM is kept here until the track carries it, then sent over the data channel in one go at the
 * next pause in the player's voice, and only then is the track enabled: the server's buffer gets the words in order,
 * with at most one extra gap inside a pause. On a push-to-talk release the commit waits until the audio spoken
 * before the release has crossed the media path (nothing to wait for when the player had already been quiet that
 * long); pressing again meanwhile carries on the same turn.
 *
 * @example
 * const input = new WebRtcInput(port);
 * input.trackReady(true);      // the call sends a clone of the mic
 * mic.onChunk((pcm) => input.audio(pcm));
 */
export class WebRtcInput {
  private readonly port: WebRtcInputPort;
  private readonly mediaLatencyMs: number;
  private readonly pauseMs: number;
  private readonly maxBufferedSamples: number;
  private readonly voiceRms: number;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;
  private buffered: Int16Array[] = [];
  private bufferedSamples = 0;
  /** Whether the track carries the microphone (audio goes there, not over the data channel). */
  private onTrack = false;
  private trackIsMic = false;
  private enabled = false;
  /** A push-to-talk release waiting for its audio to arrive: its timer. */
  private release: unknown = null;
  /** A push-to-talk release while the audio was still kept here: commit once it is sent. */
  private commitWhenSent = false;
  private lastVoiceAt = Number.NEGATIVE_INFINITY;
  private disposed = false;

  constructor(port: WebRtcInputPort, options: WebRtcInputOptions = {}) {
    this.port = port;
    this.mediaLatencyMs = options.mediaLatencyMs ?? 150;
    this.pauseMs = options.pauseMs ?? 250;
    this.maxBufferedSamples = (options.maxBufferedMs ?? 10_000) * SAMPLES_PER_MS;
    this.voiceRms = options.voiceRms ?? 0.01;
    this.now = options.now ?? (() => performance.now());
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  }

  /**
   * Audio kept before the call was up (and whether its push-to-talk turn already ended): it goes first, ahead of
   * anything the microphone sends from now on.
   */
  prepend(chunks: readonly Int16Array[], released: boolean): void {
    if (this.disposed || chunks.length === 0) return;
    this.buffered.unshift(...chunks);
    this.bufferedSamples += chunks.reduce((n, c) => n + c.length, 0);
    // Speech right at the end of what was kept: wait for the pause before moving to the track.
    let tailSamples = 0;
    for (let i = chunks.length - 1; i >= 0 && tailSamples < this.pauseMs * SAMPLES_PER_MS; i--) {
      const chunk = chunks[i];
      if (!chunk) continue;
      if (rms(chunk) >= this.voiceRms) {
        this.lastVoiceAt = Math.max(this.lastVoiceAt, this.now() - tailSamples / SAMPLES_PER_MS);
        break;
      }
      tailSamples += chunk.length;
    }
    this.commitWhenSent ||= released;
    if (this.onTrack) this.sendBuffered();
    else this.advance();
  }

  /** The call's track is a clone of the microphone (`true`) or a silent placeholder (`false`). */
  trackReady(isMic: boolean): void {
    this.trackIsMic = isMic;
    if (!isMic) this.onTrack = false;
    this.applyTrack();
    this.advance();
  }

  /** This NPC hears the player (addressed and, for push-to-talk, the key held) or not. */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    // Refreshes the round-trip measurement now, so the release that may follow has a current one.
    if (enabled) this.port.roundTripMs();
    this.applyTrack();
  }

  /** One chunk of the microphone routed to this NPC (PCM16 24 kHz). */
  audio(pcm: Int16Array): void {
    if (this.disposed || pcm.length === 0) return;
    if (rms(pcm) >= this.voiceRms) this.lastVoiceAt = this.now();
    if (this.onTrack) return;
    this.buffered.push(pcm.slice());
    this.bufferedSamples += pcm.length;
    this.advance();
  }

  /**
   * Push-to-talk pressed. Returns true when it continues a turn whose release was still waiting (the player let go
   * and pressed again at once): the caller must not clear the input buffer then.
   */
  beginTurn(): boolean {
    if (this.release === null) {
      this.dropBuffered();
      return false;
    }
    this.clearTimer(this.release);
    this.release = null;
    return true;
  }

  /** Push-to-talk released: commits once the audio spoken before now has reached the server. */
  endTurn(): void {
    if (this.disposed || this.release !== null) return;
    if (!this.onTrack) {
      // Everything the player said is still here: it goes out now, ahead of the commit.
      this.commitWhenSent = true;
      this.sendBuffered();
      return;
    }
    const quietMs = this.now() - this.lastVoiceAt;
    const waitMs = Math.max(0, this.mediaLatencyMs + (this.port.roundTripMs() ?? 0) / 2 - quietMs);
    if (waitMs <= 0) {
      this.port.commit();
      return;
    }
    this.release = this.setTimer(() => {
      this.release = null;
      this.applyTrack();
      this.port.commit();
    }, waitMs);
    this.applyTrack();
  }

  /** Stops the pending release and forgets kept audio. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.release !== null) this.clearTimer(this.release);
    this.release = null;
    this.dropBuffered();
  }

  /** Moves audio to the track once it carries the mic and the player pauses (or too much is kept). */
  private advance(): void {
    if (this.onTrack || this.disposed) return;
    if (this.commitWhenSent) {
      this.sendBuffered();
      return;
    }
    if (!this.trackIsMic) {
      // No microphone on the track yet (a placeholder): keep the most recent words only, as while connecting.
      while (this.bufferedSamples > this.maxBufferedSamples && this.buffered.length > 1) {
        this.bufferedSamples -= this.buffered.shift()?.length ?? 0;
      }
      return;
    }
    const paused = this.now() - this.lastVoiceAt >= this.pauseMs;
    if (paused || this.bufferedSamples >= this.maxBufferedSamples) this.sendBuffered();
  }

  /** Sends what is kept over the data channel (and the commit of a released turn); the track takes over if it can. */
  private sendBuffered(): void {
    const pcm = concatPcm16(this.buffered);
    const commit = this.commitWhenSent;
    this.dropBuffered();
    for (let i = 0; i < pcm.length; i += MAX_APPEND_SAMPLES) this.port.append(pcm.subarray(i, i + MAX_APPEND_SAMPLES));
    if (this.trackIsMic) this.onTrack = true;
    this.applyTrack();
    // The server's buffer also holds the track's silence, so even a short turn is long enough to commit.
    if (commit) this.port.commit();
  }

  private applyTrack(): void {
    if (this.disposed) return;
    // While the audio is kept here the track stays silent, or the server would hear it twice (and out of order).
    this.port.setTrackEnabled(this.onTrack && (this.enabled || this.release !== null));
  }

  private dropBuffered(): void {
    this.buffered = [];
    this.bufferedSamples = 0;
    this.commitWhenSent = false;
  }
}
