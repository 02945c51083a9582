// Server → client events of the OpenAI Realtime GA protocol that the emulator emits (realtime-protocol.md §3.2–3.6).
// Plain types: the emulator constructs these, so a schema would only re-check our own code. Every event carries
// `event_id`, and every delta carries all of response_id/item_id/output_index/content_index, because the SDK
// silently ignores events that lack them (§0.2).

/** A content part of a conversation item as the server reports it. */
export type ServerContentPart =
  | { type: 'input_text'; text: string }
  | { type: 'input_audio'; transcript: string | null; audio?: string }
  | { type: 'input_image'; image_url?: string; detail?: 'auto' | 'low' | 'high' }
  | { type: 'output_text'; text: string }
  | { type: 'output_audio'; transcript: string; audio?: string; format?: string };

/** A conversation item as the server reports it. */
export type ServerItem =
  | {
      id: string;
      object: 'realtime.item';
      type: 'message';
      role: 'user' | 'assistant' | 'system';
      status: 'completed' | 'incomplete' | 'in_progress';
      content: ServerContentPart[];
    }
  | {
      id: string;
      object: 'realtime.item';
      type: 'function_call';
      status: 'completed' | 'incomplete' | 'in_progress';
      call_id: string;
      name: string;
      arguments: string;
    }
  | { id: string; object: 'realtime.item'; type: 'function_call_output'; call_id: string; output: string };

/** Token usage of a response, with the detail objects the service reports. */
export interface ServerUsage {
  total_tokens: number;
  input_tokens: number;
  output_tokens: number;
  input_token_details: {
    text_tokens: number;
    audio_tokens: number;
    image_tokens: number;
    cached_tokens: number;
    cached_tokens_details: { text_tokens: number; audio_tokens: number; image_tokens: number };
  };
  output_token_details: { text_tokens: number; audio_tokens: number };
}

/** Why a response ended other than normally. */
export type ServerStatusDetails =
  | null
  | { type: 'cancelled'; reason: 'turn_detected' | 'client_cancelled' }
  | { type: 'incomplete'; reason: 'max_output_tokens' | 'content_filter' }
  | { type: 'failed'; error: { type: string; code: string; message: string } };

/** The `response` object of `response.created` / `response.done`. */
export interface ServerResponse {
  object: 'realtime.response';
  id: string;
  status: 'in_progress' | 'completed' | 'cancelled' | 'failed' | 'incomplete';
  status_details: ServerStatusDetails;
  output: ServerItem[];
  conversation_id: string | null;
  output_modalities: ('audio' | 'text')[];
  max_output_tokens: number | 'inf';
  audio: { output: { format: Record<string, unknown>; voice: string } };
  usage: ServerUsage | null;
  metadata: Record<string, string> | null;
}

/** One token's log probability in an input transcription event (`include: ['item.input_audio_transcription.logprobs']`). */
export interface TranscriptionLogprob {
  token: string;
  /** The token's UTF-8 bytes. */
  bytes: number[];
  logprob: number;
}

/** The `error` object of an `error` event. */
export interface ServerErrorDetail {
  type: 'invalid_request_error' | 'server_error';
  code: string;
  message: string;
  param: string | null;
  /** The client event this error answers (links `response.create` errors for the SDK's sequencer). */
  event_id: string | null;
}

interface ResponseRef {
  response_id: string;
  item_id: string;
  output_index: number;
}
interface ContentRef extends ResponseRef {
  content_index: number;
}

/** Everything the emulator sends, discriminated by `type`. */
export type ServerEventBody =
  | { type: 'error'; error: ServerErrorDetail }
  | { type: 'session.created'; session: Record<string, unknown> }
  | { type: 'session.updated'; session: Record<string, unknown> }
  | { type: 'conversation.item.added'; previous_item_id: string | null; item: ServerItem }
  | { type: 'conversation.item.done'; previous_item_id: string | null; item: ServerItem }
  | { type: 'conversation.item.retrieved'; item: ServerItem }
  | { type: 'conversation.item.deleted'; item_id: string }
  | { type: 'conversation.item.truncated'; item_id: string; content_index: number; audio_end_ms: number }
  | { type: 'conversation.item.input_audio_transcription.delta'; item_id: string; content_index: number; delta: string; logprobs?: TranscriptionLogprob[] }
  | {
      type: 'conversation.item.input_audio_transcription.completed';
      item_id: string;
      content_index: number;
      transcript: string;
      usage: { type: 'duration'; seconds: number };
      logprobs?: TranscriptionLogprob[];
    }
  | {
      type: 'conversation.item.input_audio_transcription.failed';
      item_id: string;
      content_index: number;
      error: { type: 'transcription_error'; code: string; message: string; param: null };
    }
  | { type: 'input_audio_buffer.committed'; item_id: string; previous_item_id: string | null }
  | { type: 'input_audio_buffer.cleared' }
  /** SIP only: the caller pressed a key on the keypad (`received_at`: Unix seconds). */
  | { type: 'input_audio_buffer.dtmf_event_received'; event: string; received_at: number }
  | { type: 'input_audio_buffer.speech_started'; item_id: string; audio_start_ms: number }
  | { type: 'input_audio_buffer.speech_stopped'; item_id: string; audio_end_ms: number }
  | { type: 'input_audio_buffer.timeout_triggered'; item_id: string; audio_start_ms: number; audio_end_ms: number }
  | { type: 'rate_limits.updated'; rate_limits: { name: 'requests' | 'tokens'; limit: number; remaining: number; reset_seconds: number }[] }
  | { type: 'output_audio_buffer.started'; response_id: string }
  | { type: 'output_audio_buffer.stopped'; response_id: string }
  | { type: 'output_audio_buffer.cleared'; response_id: string }
  | { type: 'response.created'; response: ServerResponse }
  | { type: 'response.done'; response: ServerResponse }
  | ({ type: 'response.output_item.added'; item: ServerItem } & Omit<ResponseRef, 'item_id'>)
  | ({ type: 'response.output_item.done'; item: ServerItem } & Omit<ResponseRef, 'item_id'>)
  | ({ type: 'response.content_part.added'; part: { type: 'audio'; transcript: string } | { type: 'text'; text: string } } & ContentRef)
  | ({ type: 'response.content_part.done'; part: { type: 'audio'; transcript: string } | { type: 'text'; text: string } } & ContentRef)
  | ({ type: 'response.output_audio.delta'; delta: string } & ContentRef)
  | ({ type: 'response.output_audio.done' } & ContentRef)
  | ({ type: 'response.output_audio_transcript.delta'; delta: string } & ContentRef)
  | ({ type: 'response.output_audio_transcript.done'; transcript: string } & ContentRef)
  | ({ type: 'response.output_text.delta'; delta: string } & ContentRef)
  | ({ type: 'response.output_text.done'; text: string } & ContentRef)
  | ({ type: 'response.function_call_arguments.delta'; call_id: string; delta: string } & ResponseRef)
  | ({ type: 'response.function_call_arguments.done'; call_id: string; name: string; arguments: string } & ResponseRef);

/** A server event as sent on the wire: its body plus a unique `event_id`. */
export type ServerEvent = ServerEventBody & { event_id: string };

/** The server event type names the emulator emits. */
export type ServerEventType = ServerEvent['type'];
