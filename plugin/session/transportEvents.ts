import * as z from 'zod/mini';

// Wire events read from `transport_event` (the SDK passes every server event through unvalidated), and the SDK's
// `error` event payload. Only realtimeSdk.ts imports this module, so these schemas load with the lazy SDK chunk,
// not in a game's first load; NpcSession reaches them through the loaded SDK module (`sdk.transportEvents`).

export const EventType = z.object({ type: z.string() });
export const InputDelta = z.object({
  type: z.literal('conversation.item.input_audio_transcription.delta'),
  item_id: z.string(),
  delta: z.string(),
});
export const InputDone = z.object({
  type: z.literal('conversation.item.input_audio_transcription.completed'),
  item_id: z.string(),
  transcript: z.string(),
});
export const OutputDelta = z.object({
  type: z.enum(['response.output_audio_transcript.delta', 'response.output_text.delta']),
  delta: z.string(),
});
export const OutputAudioDone = z.object({ type: z.literal('response.output_audio_transcript.done'), transcript: z.string() });
export const OutputTextDone = z.object({ type: z.literal('response.output_text.done'), text: z.string() });
export const ResponseDone = z.object({
  type: z.literal('response.done'),
  response: z.object({
    usage: z.nullish(z.object({ input_tokens: z.number(), output_tokens: z.number(), total_tokens: z.number() })),
  }),
});
/** The SDK's `error` event payload when it carries a Realtime API error. */
export const ApiErrorEvent = z.object({ error: z.object({ message: z.string(), code: z.nullish(z.string()) }) });
