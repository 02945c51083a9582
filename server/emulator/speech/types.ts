import type { LocalVoice } from '../../../plugin/shared/personaSchema.js';

/** Sample rate of all PCM the emulator exchanges (the Realtime API's `audio/pcm` rate). */
export const SAMPLE_RATE_HZ = 24_000;

/** Local text-to-speech: one call per sentence, PCM16 mono at 24 kHz. */
export interface TextToSpeech {
  /** Synthesizes one sentence (or short text) in the given voice. Deterministic: same input, same samples. */
  synthesize(text: string, voice: LocalVoice): Promise<Int16Array>;
}

/** A grammar the recognizer listens for: the phrases one persona understands (plus common phrases). */
export interface Grammar {
  readonly phrases: readonly string[];
}

/** Result of recognising one utterance. `text` is null when the speech was out of grammar (rejected). */
export interface Recognition {
  text: string | null;
}

/** One utterance being recognised, fed incrementally. */
export interface RecognitionStream {
  /** Feeds PCM16 24 kHz mono; returns the current partial hypothesis ("" if none yet). */
  write(pcm: Int16Array): string;
  /** Ends the utterance and returns the final result. */
  end(): Recognition;
}

/** A recognizer of general English, asked only about an utterance the grammar rejected (it is slower). */
export interface OpenVocabularyRecognizer {
  /** Transcribes PCM16 24 kHz mono; resolves null when nothing was recognised. Never rejects. */
  transcribe(pcm: Int16Array): Promise<string | null>;
}

/** Local speech-to-text (grammar based), optionally with an open-vocabulary second pass. */
export interface SpeechToText {
  /** Starts recognising one utterance against `grammar`. */
  start(grammar: Grammar): RecognitionStream;
  /** Second pass for utterances the grammar rejected ("hello, good morning" off-script); absent: they stay unrecognised. */
  readonly openVocabulary?: OpenVocabularyRecognizer;
}
