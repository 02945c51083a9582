/**
 * The events that end an audio response's content, in the order the service emits them (realtime-protocol.md §3.6):
 * the same whether the response completed or was cancelled.
 */
export const AUDIO_CONTENT_END: readonly string[] = [
  'response.output_audio.done',
  'response.output_audio_transcript.done',
  'response.content_part.done',
  'conversation.item.done',
  'response.output_item.done',
  'response.done',
];
