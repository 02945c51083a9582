import type { ServerEventBody } from '../../../plugin/shared/protocol/serverEvents.js';

/** Sends one server event of the session (the session stamps its `event_id`). */
export type ServerEventSink = (body: ServerEventBody) => void;

/** Where an assistant item's audio was when playback was cut off. */
export interface PlaybackPosition {
  responseId: string;
  itemId: string;
  /** Audio of the item actually sent to the client before the cut. */
  playedMs: number;
}

/** One chunk of a response's audio, as the response runner produces it. */
export interface OutputAudioChunk {
  responseId: string;
  itemId: string;
  outputIndex: number;
  contentIndex: number;
  /** The chunk in the session's output format (what `response.output_audio.delta` carries). */
  bytes: Uint8Array;
  /** The same audio as PCM16 24 kHz (a media track carries PCM whatever the session's format; the codec is negotiated). */
  pcm: Int16Array;
}

/**
 * The port through which a session's voice leaves it, one implementation per transport: the WebSocket sends audio in
 * band as `response.output_audio.delta` events; WebRTC (and later SIP) plays it on a media track in real time.
 */
export interface AudioOutput {
  /**
   * Whether the audio plays from a server-side buffer (WebRTC, SIP): the client may then clear it
   * (`output_audio_buffer.clear`), and an interruption stops what is queued and truncates the item at what was heard.
   */
  readonly buffered: boolean;
  /** Takes one chunk; `events` sends any server event that carries it. */
  write(chunk: OutputAudioChunk, events: ServerEventSink): void;
  /** The response that wrote audio will write no more (it finished or was cancelled); what is queued still plays. */
  end(responseId: string): void;
  /** Drops all queued audio; returns what was being played, or null when nothing was. */
  clear(): PlaybackPosition | null;
}
