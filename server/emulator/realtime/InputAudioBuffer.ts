import { concatPcm16, decodeALaw, decodeMuLaw, floatToPcm16, pcm16FromBytes, pcm16ToFloat } from '../../../plugin/shared/pcm16.js';
import { Resampler } from '../../../plugin/shared/resample.js';
import { SERVER_VAD_DEFAULTS } from '../../../plugin/shared/serverVadDefaults.js';
import { ServerVad, semanticEagernessToSilenceMs } from '../speech/energyVad.js';
import { SAMPLE_RATE_HZ, type Grammar, type RecognitionStream, type SpeechToText } from '../speech/types.js';
import type { FormatKind } from './audioFormats.js';
import { PROTOCOL_ERRORS, type RealtimeError } from './protocolErrors.js';
import { newId, type TurnDetection } from './SessionState.js';

/** Shortest input a manual commit accepts. */
export const MIN_COMMIT_MS = 100;
/** Largest `input_audio_buffer.append` payload (base64 characters), the API's 15 MiB. */
export const MAX_APPEND_BASE64 = 15 * 1024 * 1024;
/** Most input audio kept while waiting for a manual commit (10 minutes), so a forgotten buffer cannot eat memory. */
const MAX_BUFFER_SAMPLES = SAMPLE_RATE_HZ * 600;
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/** A turn of user audio that ended: by the VAD (`detected`) or by a manual commit. */
export interface CommittedTurn {
  itemId: string;
  /** The turn's PCM16 24 kHz audio. */
  pcm: Int16Array;
  /** What the recognizer heard (the grammar, else the open-vocabulary pass); null when nothing was recognised. */
  heard: string | null;
  /** The VAD ended the turn (so it may create a response); false for `input_audio_buffer.commit`. */
  detected: boolean;
}

/** What the buffer reports, synchronously, as audio arrives. */
export interface InputAudioHooks {
  /** The VAD heard speech start; `itemId` will be the turn's user item. */
  speechStarted(itemId: string, audioStartMs: number): void;
  /** The VAD heard the speech stop (the turn is committed right after). */
  speechStopped(itemId: string, audioEndMs: number): void;
  /** A turn was committed: add it to the conversation. */
  committed(turn: CommittedTurn): void;
}

/** Options of {@link InputAudioBuffer}. */
export interface InputAudioBufferOptions {
  stt: SpeechToText;
  /** The phrases to recognise (the session's persona may change between turns). */
  grammar: () => Grammar;
  hooks: InputAudioHooks;
  log?: (line: string) => void;
}

interface SpeechTurn {
  itemId: string;
  startSample: number;
  recognition: RecognitionStream;
}

const ms = (samples: number): number => Math.round((samples * 1000) / SAMPLE_RATE_HZ);

/**
 * A session's input audio buffer: takes appended audio (base64 in the session's format, or PCM from a media track),
 * runs server VAD and recognition on it and reports speech and committed turns through {@link InputAudioHooks}.
 * Without turn detection it keeps audio until {@link InputAudioBuffer.commit} or {@link InputAudioBuffer.clear}.
 */
export class InputAudioBuffer {
  private readonly options: InputAudioBufferOptions;
  // PCM16 24 kHz chunks; `bufferStart` is the absolute sample index (session input clock) of the first.
  private buffer: Int16Array[] = [];
  private bufferSamples = 0;
  private bufferStart = 0;
  private inputSamples = 0;
  private turnDetection: TurnDetection | null = null;
  private vad: { detector: ServerVad; offsetSamples: number; key: string } | null = null;
  private speech: SpeechTurn | null = null;
  private resampler: Resampler | null = null;
  private transcribing: Promise<void> | null = null;
  private closed = false;

  constructor(options: InputAudioBufferOptions) {
    this.options = options;
  }

  /** Milliseconds of audio buffered and not yet committed. */
  get bufferedMs(): number {
    return (this.bufferSamples * 1000) / SAMPLE_RATE_HZ;
  }

  /**
   * While the open-vocabulary pass transcribes a turn the grammar rejected: settles once that turn is committed (it
   * never rejects). The session holds later client input until then, so the turn keeps its place in the conversation.
   */
  get pending(): Promise<void> | null {
    return this.transcribing;
  }

  /** Whether the VAD is inside a speech turn. */
  get inSpeech(): boolean {
    return this.speech !== null;
  }

  /** Applies the session's turn detection (null: manual commits). The same settings keep the running detector. */
  configure(turnDetection: TurnDetection | null): void {
    this.turnDetection = turnDetection;
    const td = turnDetection;
    if (!td) {
      this.vad = null;
      return;
    }
    const silenceMs = td.type === 'semantic_vad' ? semanticEagernessToSilenceMs(td.eagerness ?? 'auto') : (td.silenceDurationMs ?? SERVER_VAD_DEFAULTS.silenceDurationMs);
    const threshold = td.type === 'server_vad' ? (td.threshold ?? SERVER_VAD_DEFAULTS.threshold) : SERVER_VAD_DEFAULTS.threshold;
    const prefixMs = td.type === 'server_vad' ? (td.prefixPaddingMs ?? SERVER_VAD_DEFAULTS.prefixPaddingMs) : SERVER_VAD_DEFAULTS.prefixPaddingMs;
    const key = `${threshold}|${prefixMs}|${silenceMs}`;
    // The SDK re-sends the same config on every update; keep the detector (and its noise floor) when nothing changed.
    if (this.vad?.key === key) return;
    this.vad = {
      detector: new ServerVad({ threshold, prefixPaddingMs: prefixMs, silenceDurationMs: silenceMs }),
      offsetSamples: this.inputSamples,
      key,
    };
  }

  /** `input_audio_buffer.append`: decodes base64 audio in `format`; returns the error when the payload is refused. */
  append(audio: string, format: FormatKind): RealtimeError | null {
    if (audio.length > MAX_APPEND_BASE64) return PROTOCOL_ERRORS.appendTooLarge(audio.length, MAX_APPEND_BASE64);
    if (audio.length % 4 !== 0 || !BASE64_RE.test(audio)) return PROTOCOL_ERRORS.appendNotBase64();
    const bytes = Buffer.from(audio, 'base64');
    if (format === 'pcm') {
      this.appendPcm(pcm16FromBytes(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
    } else {
      const narrow = format === 'pcmu' ? decodeMuLaw(bytes) : decodeALaw(bytes);
      this.resampler ??= new Resampler(8000, SAMPLE_RATE_HZ);
      this.appendPcm(floatToPcm16(this.resampler.process(pcm16ToFloat(narrow))));
    }
    return null;
  }

  /** Appends PCM16 24 kHz audio (a media track's input); may report speech and turns before returning. */
  appendPcm(pcm: Int16Array): void {
    if (pcm.length === 0) return;
    this.buffer.push(pcm);
    this.bufferSamples += pcm.length;
    this.inputSamples += pcm.length;
    if (this.speech) this.speech.recognition.write(pcm);
    if (this.vad) {
      const { detector, offsetSamples } = this.vad;
      for (const event of detector.push(pcm)) {
        if (event.type === 'speech_started') this.onSpeechStarted(offsetSamples + Math.round((event.audioStartMs * SAMPLE_RATE_HZ) / 1000));
        else this.onSpeechStopped(offsetSamples + Math.round((event.audioEndMs * SAMPLE_RATE_HZ) / 1000));
      }
      if (!this.speech) this.trimIdleBuffer();
    } else if (this.bufferSamples > MAX_BUFFER_SAMPLES) {
      this.dropBefore(this.bufferStart + this.bufferSamples - MAX_BUFFER_SAMPLES);
    }
  }

  /** `input_audio_buffer.commit`: commits what is buffered as a turn; returns the error when there is too little. */
  commit(): RealtimeError | null {
    const bufferedMs = this.bufferedMs;
    if (bufferedMs < MIN_COMMIT_MS) return PROTOCOL_ERRORS.commitEmpty(MIN_COMMIT_MS, bufferedMs);
    const pcm = concatPcm16(this.buffer);
    let itemId = newId('item');
    let heard: string | null = null;
    if (this.speech) {
      // A manual commit during VAD speech ends that turn: reuse the announced item id and the running recognition.
      itemId = this.speech.itemId;
      try {
        heard = this.speech.recognition.end().text;
      } catch {
        heard = null;
      }
      this.speech = null;
    } else {
      try {
        const recognition = this.options.stt.start(this.options.grammar());
        recognition.write(pcm);
        heard = recognition.end().text;
      } catch (error) {
        this.options.log?.(`emulator: recognizer failed: ${(error as Error).message}`);
      }
    }
    this.buffer = [];
    this.bufferStart = this.inputSamples;
    this.bufferSamples = 0;
    this.commitTurn({ itemId, pcm, heard, detected: false });
    return null;
  }

  /** Milliseconds of input audio received since the session opened: the clock of `audio_start_ms` / `audio_end_ms`. */
  get positionMs(): number {
    return ms(this.inputSamples);
  }

  /**
   * Commits what is buffered, silence the VAD heard no speech in, as the turn of an idle timeout (no recognition:
   * nothing was said). Empty when the client streamed no audio.
   */
  commitSilence(): CommittedTurn {
    const pcm = concatPcm16(this.buffer);
    this.buffer = [];
    this.bufferStart = this.inputSamples;
    this.bufferSamples = 0;
    return { itemId: newId('item'), pcm, heard: '', detected: false };
  }

  /** `input_audio_buffer.clear`: drops the buffered audio and any speech in progress. */
  clear(): void {
    this.buffer = [];
    this.bufferStart = this.inputSamples;
    this.bufferSamples = 0;
    this.endSpeech();
    // A fresh detector: speech that was in progress belongs to the discarded audio.
    this.vad = null;
    this.configure(this.turnDetection);
  }

  /** The session is closing: abandons speech in progress, and a turn still being transcribed is never committed. */
  close(): void {
    this.closed = true;
    this.endSpeech();
  }

  /** Abandons the recognition of speech in progress (the session is closing or the buffer was cleared). */
  private endSpeech(): void {
    if (!this.speech) return;
    try {
      this.speech.recognition.end();
    } catch {
      // The recognizer's result is discarded anyway.
    }
    this.speech = null;
  }

  /** Under VAD, audio before a possible speech onset is only needed for the prefix padding. */
  private trimIdleBuffer(): void {
    const keep = SAMPLE_RATE_HZ * 2;
    if (this.bufferSamples > keep * 2) this.dropBefore(this.bufferStart + this.bufferSamples - keep);
  }

  private dropBefore(sample: number): void {
    while (this.buffer.length > 0 && sample > this.bufferStart) {
      const first = this.buffer[0] as Int16Array;
      const drop = sample - this.bufferStart;
      if (drop >= first.length) {
        this.buffer.shift();
        this.bufferStart += first.length;
        this.bufferSamples -= first.length;
      } else {
        this.buffer[0] = first.subarray(drop);
        this.bufferStart += drop;
        this.bufferSamples -= drop;
      }
    }
  }

  /** Buffered samples from absolute index `from` to `to` (clamped to what is buffered). */
  private range(from: number, to: number): Int16Array {
    const all = concatPcm16(this.buffer);
    const a = Math.max(0, from - this.bufferStart);
    const b = Math.max(a, Math.min(all.length, to - this.bufferStart));
    return all.slice(a, b);
  }

  private onSpeechStarted(startSample: number): void {
    const itemId = newId('item');
    const from = Math.max(startSample, this.bufferStart);
    let recognition: RecognitionStream;
    try {
      recognition = this.options.stt.start(this.options.grammar());
      recognition.write(this.range(from, this.inputSamples));
    } catch (error) {
      this.options.log?.(`emulator: recognizer failed to start: ${(error as Error).message}`);
      recognition = { write: () => '', end: () => ({ text: null }) };
    }
    this.speech = { itemId, startSample: from, recognition };
    this.options.hooks.speechStarted(itemId, ms(from));
  }

  private onSpeechStopped(endSample: number): void {
    const speech = this.speech;
    if (!speech) return;
    this.speech = null;
    const end = Math.max(speech.startSample, Math.min(endSample, this.inputSamples));
    this.options.hooks.speechStopped(speech.itemId, ms(end));
    const pcm = this.range(speech.startSample, end);
    this.dropBefore(end);
    let heard: string | null = null;
    try {
      heard = speech.recognition.end().text;
    } catch (error) {
      this.options.log?.(`emulator: recognizer failed: ${(error as Error).message}`);
    }
    this.commitTurn({ itemId: speech.itemId, pcm, heard, detected: true });
  }

  /** Commits a turn; one the grammar rejected first goes through the open-vocabulary pass, if the recognizer has one. */
  private commitTurn(turn: CommittedTurn): void {
    const open = this.options.stt.openVocabulary;
    if (turn.heard !== null || !open || turn.pcm.length === 0) {
      this.options.hooks.committed(turn);
      return;
    }
    const transcribing = open
      .transcribe(turn.pcm)
      .catch((error: unknown) => {
        this.options.log?.(`emulator: the open-vocabulary recognizer failed: ${(error as Error).message}`);
        return null;
      })
      .then((heard) => {
        if (this.transcribing === transcribing) this.transcribing = null;
        if (this.closed) return;
        try {
          this.options.hooks.committed({ ...turn, heard });
        } catch (error) {
          this.options.log?.(`emulator: committing a transcribed turn failed: ${(error as Error).message}`);
        }
      });
    this.transcribing = transcribing;
  }
}
