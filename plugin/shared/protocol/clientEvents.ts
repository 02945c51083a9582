import { z } from 'zod';

// Client → server events of the OpenAI Realtime GA protocol (realtime-protocol.md §3.1), written once and used by the
// emulator to validate what it receives. Objects are loose where the service accepts fields we do not model, strict
// only where a wrong shape would make the emulator misbehave.

const eventId = z.string().max(512).optional();

/** `audio.input/output.format` in the GA object form or the deprecated string form. */
export const AudioFormatSchema = z.union([
  z.looseObject({ type: z.literal('audio/pcm'), rate: z.literal(24_000).optional() }),
  z.looseObject({ type: z.literal('audio/pcmu') }),
  z.looseObject({ type: z.literal('audio/pcma') }),
  z.enum(['pcm16', 'g711_ulaw', 'g711_alaw']),
]);

/** `audio.input.turn_detection`: server VAD, semantic VAD, or null for manual commits. */
export const TurnDetectionSchema = z
  .discriminatedUnion('type', [
    z.looseObject({
      type: z.literal('server_vad'),
      threshold: z.number().min(0).max(1).optional(),
      prefix_padding_ms: z.number().int().min(0).optional(),
      silence_duration_ms: z.number().int().min(0).optional(),
      idle_timeout_ms: z.number().int().min(0).nullable().optional(),
      create_response: z.boolean().optional(),
      interrupt_response: z.boolean().optional(),
    }),
    z.looseObject({
      type: z.literal('semantic_vad'),
      eagerness: z.enum(['low', 'medium', 'high', 'auto']).optional(),
      create_response: z.boolean().optional(),
      interrupt_response: z.boolean().optional(),
    }),
  ])
  .nullable();

/** A function tool in `session.tools` / `response.tools`. */
export const FunctionToolSchema = z.looseObject({
  type: z.literal('function'),
  name: z.string().min(1).max(64),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

/** A tool entry: functions are modelled, other kinds (hosted MCP) are passed through. */
export const ToolSchema = z.union([FunctionToolSchema, z.looseObject({ type: z.literal('mcp') })]);

/**
 * `tool_choice` of a session or a response: `auto`, `none` (never call a tool), `required` (call one) or one named
 * function (`{type: 'function', name}`); hosted MCP choices pass through.
 */
export const ToolChoiceSchema = z.union(
  [
    z.enum(['auto', 'none', 'required']),
    z.looseObject({ type: z.literal('function'), name: z.string().min(1) }),
    z.looseObject({ type: z.literal('mcp'), server_label: z.string() }),
  ],
  { error: "expected 'auto', 'none', 'required' or {\"type\": \"function\", \"name\": \"…\"}" },
);

/** `max_output_tokens`: an integer from 1 to 4096, or `'inf'`; over it a response ends `incomplete`. */
export const MaxOutputTokensSchema = z.union([z.number().int().min(1).max(4096), z.literal('inf')], {
  error: "expected an integer between 1 and 4096, or 'inf'",
});

/**
 * `truncation`: how the service drops old conversation when it outgrows the context (`auto`, `disabled`, or a
 * retention ratio). The emulator's context never fills, so it only validates and echoes it.
 */
export const TruncationSchema = z.union(
  [
    z.enum(['auto', 'disabled']),
    z.looseObject({
      type: z.literal('retention_ratio'),
      retention_ratio: z.number().min(0).max(1),
      token_limits: z.looseObject({ post_instructions: z.number().int().min(1).optional() }).optional(),
    }),
  ],
  { error: "expected 'auto', 'disabled' or {\"type\": \"retention_ratio\", \"retention_ratio\": 0.0–1.0}" },
);

/** The partial session config of `session.update` (GA shape; `type` is required by the GA API). */
export const SessionUpdateConfigSchema = z.looseObject({
  type: z.enum(['realtime', 'transcription']),
  model: z.string().optional(),
  instructions: z.string().optional(),
  output_modalities: z.array(z.enum(['audio', 'text'])).min(1).max(1).optional(),
  tools: z.array(ToolSchema).optional(),
  tool_choice: ToolChoiceSchema.optional(),
  max_output_tokens: MaxOutputTokensSchema.optional(),
  truncation: TruncationSchema.optional(),
  /** Extra fields in server events; `item.input_audio_transcription.logprobs` adds logprobs to input transcriptions. */
  include: z.array(z.enum(['item.input_audio_transcription.logprobs'])).nullable().optional(),
  voice: z.string().optional(),
  audio: z
    .looseObject({
      input: z
        .looseObject({
          format: AudioFormatSchema.optional(),
          transcription: z.looseObject({ model: z.string().optional() }).nullable().optional(),
          turn_detection: TurnDetectionSchema.optional(),
          noise_reduction: z
            .looseObject({ type: z.enum(['near_field', 'far_field']), strength: z.number().min(0).max(1).optional() })
            .nullable()
            .optional(),
        })
        .optional(),
      output: z
        .looseObject({
          format: AudioFormatSchema.optional(),
          voice: z.string().optional(),
          speed: z.number().min(0.25).max(1.5).optional(),
        })
        .optional(),
    })
    .optional(),
});

const InputTextPart = z.looseObject({ type: z.literal('input_text'), text: z.string() });
const InputAudioPart = z.looseObject({
  type: z.literal('input_audio'),
  audio: z.string().nullable().optional(),
  transcript: z.string().nullable().optional(),
});
const InputImagePart = z.looseObject({
  type: z.literal('input_image'),
  image_url: z.string().optional(),
  detail: z.enum(['auto', 'low', 'high']).optional(),
});
const OutputTextPart = z.looseObject({ type: z.literal('output_text'), text: z.string() });
const OutputAudioPart = z.looseObject({
  type: z.literal('output_audio'),
  audio: z.string().nullable().optional(),
  transcript: z.string().nullable().optional(),
});

/** A content part a client may put in a message item. */
export const ContentPartSchema = z.discriminatedUnion('type', [
  InputTextPart,
  InputAudioPart,
  InputImagePart,
  OutputTextPart,
  OutputAudioPart,
]);

const itemId = z.string().min(1).max(64).optional();

/** An item a client may create in the conversation. */
export const ClientItemSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('message'),
    id: itemId,
    role: z.enum(['user', 'assistant', 'system']),
    status: z.enum(['completed', 'incomplete', 'in_progress']).optional(),
    content: z.array(ContentPartSchema),
  }),
  z.looseObject({
    type: z.literal('function_call'),
    id: itemId,
    call_id: z.string().min(1),
    name: z.string().min(1),
    arguments: z.string(),
    status: z.enum(['completed', 'incomplete', 'in_progress']).optional(),
  }),
  z.looseObject({
    type: z.literal('function_call_output'),
    id: itemId,
    call_id: z.string().min(1),
    output: z.string(),
  }),
]);

/** A reference to a conversation item in `response.input`. */
export const ItemReferenceSchema = z.looseObject({ type: z.literal('item_reference'), id: z.string().min(1) });

/** One element of `response.input`: an item, or a reference to one in the conversation. */
export const ResponseInputSchema = z.union([ItemReferenceSchema, ClientItemSchema], {
  error: "expected an item (message, function_call, function_call_output) or {\"type\": \"item_reference\", \"id\": \"…\"}",
});

/** `response.create`'s optional `response` parameters. */
export const ResponseParamsSchema = z.looseObject({
  instructions: z.string().optional(),
  output_modalities: z.array(z.enum(['audio', 'text'])).min(1).max(1).optional(),
  conversation: z.union([z.enum(['auto', 'none']), z.string()]).optional(),
  metadata: z.record(z.string(), z.string()).nullable().optional(),
  max_output_tokens: MaxOutputTokensSchema.optional(),
  tools: z.array(ToolSchema).optional(),
  tool_choice: ToolChoiceSchema.optional(),
  /** The response's own context instead of the conversation: items, or references to conversation items. */
  input: z.array(ResponseInputSchema).optional(),
  audio: z
    .looseObject({
      output: z.looseObject({ format: AudioFormatSchema.optional(), voice: z.string().optional() }).optional(),
    })
    .optional(),
});

/** `session.update`. */
export const SessionUpdateEventSchema = z.looseObject({
  type: z.literal('session.update'),
  event_id: eventId,
  session: SessionUpdateConfigSchema,
});
/** `input_audio_buffer.append` (base64 audio in the input format). */
export const InputAudioBufferAppendEventSchema = z.looseObject({
  type: z.literal('input_audio_buffer.append'),
  event_id: eventId,
  audio: z.string(),
});
/** `input_audio_buffer.commit`. */
export const InputAudioBufferCommitEventSchema = z.looseObject({
  type: z.literal('input_audio_buffer.commit'),
  event_id: eventId,
});
/** `input_audio_buffer.clear`. */
export const InputAudioBufferClearEventSchema = z.looseObject({
  type: z.literal('input_audio_buffer.clear'),
  event_id: eventId,
});
/** `conversation.item.create`. */
export const ConversationItemCreateEventSchema = z.looseObject({
  type: z.literal('conversation.item.create'),
  event_id: eventId,
  previous_item_id: z.string().nullable().optional(),
  item: ClientItemSchema,
});
/** `conversation.item.retrieve`. */
export const ConversationItemRetrieveEventSchema = z.looseObject({
  type: z.literal('conversation.item.retrieve'),
  event_id: eventId,
  item_id: z.string(),
});
/** `conversation.item.truncate`. */
export const ConversationItemTruncateEventSchema = z.looseObject({
  type: z.literal('conversation.item.truncate'),
  event_id: eventId,
  item_id: z.string(),
  content_index: z.number().int().min(0),
  audio_end_ms: z.number().int().min(0),
});
/** `conversation.item.delete`. */
export const ConversationItemDeleteEventSchema = z.looseObject({
  type: z.literal('conversation.item.delete'),
  event_id: eventId,
  item_id: z.string(),
});
/** `response.create`. */
export const ResponseCreateEventSchema = z.looseObject({
  type: z.literal('response.create'),
  event_id: eventId,
  response: ResponseParamsSchema.optional(),
});
/** `response.cancel`. */
export const ResponseCancelEventSchema = z.looseObject({
  type: z.literal('response.cancel'),
  event_id: eventId,
  response_id: z.string().optional(),
});
/** `output_audio_buffer.clear` (WebRTC/SIP). */
export const OutputAudioBufferClearEventSchema = z.looseObject({
  type: z.literal('output_audio_buffer.clear'),
  event_id: eventId,
  response_id: z.string().optional(),
});

/** Every GA client event, discriminated by `type`. */
export const ClientEventSchema = z.discriminatedUnion('type', [
  SessionUpdateEventSchema,
  InputAudioBufferAppendEventSchema,
  InputAudioBufferCommitEventSchema,
  InputAudioBufferClearEventSchema,
  ConversationItemCreateEventSchema,
  ConversationItemRetrieveEventSchema,
  ConversationItemTruncateEventSchema,
  ConversationItemDeleteEventSchema,
  ResponseCreateEventSchema,
  ResponseCancelEventSchema,
  OutputAudioBufferClearEventSchema,
]);

/** A validated client event. */
export type ClientEvent = z.output<typeof ClientEventSchema>;
/** A validated conversation item from a client. */
export type ClientItem = z.output<typeof ClientItemSchema>;
/** A validated content part from a client. */
export type ClientContentPart = z.output<typeof ContentPartSchema>;
/** The validated partial config of a `session.update`. */
export type SessionUpdateConfig = z.output<typeof SessionUpdateConfigSchema>;
/** A validated `tool_choice`. */
export type ToolChoice = z.output<typeof ToolChoiceSchema>;
/** A validated element of `response.input`. */
export type ResponseInput = z.output<typeof ResponseInputSchema>;
/** The validated `response` parameters of a `response.create`. */
export type ResponseParams = z.output<typeof ResponseParamsSchema>;

/** The client event types the GA API accepts. */
export const CLIENT_EVENT_TYPES: readonly ClientEvent['type'][] = [
  'session.update',
  'input_audio_buffer.append',
  'input_audio_buffer.commit',
  'input_audio_buffer.clear',
  'conversation.item.create',
  'conversation.item.retrieve',
  'conversation.item.truncate',
  'conversation.item.delete',
  'response.create',
  'response.cancel',
  'output_audio_buffer.clear',
];

/** Why a client event was rejected, in the service's error vocabulary (`error.code`, `error.param`). */
export interface ClientEventRejection {
  ok: false;
  code: 'invalid_json' | 'invalid_event' | 'missing_required_parameter' | 'invalid_type' | 'invalid_value';
  message: string;
  param: string | null;
  /** The client's `event_id` when it could be read, so the error can be linked to the event. */
  eventId: string | null;
}

/** Outcome of {@link parseClientEvent}. */
export type ParsedClientEvent = { ok: true; event: ClientEvent } | ClientEventRejection;

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a decimal';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

/**
 * Validates a decoded client message; never throws. Errors use the service's codes: `invalid_event` for an unknown
 * `type`, `missing_required_parameter`, `invalid_type` and `invalid_value` with the dotted `param` path.
 */
export function parseClientEvent(json: unknown): ParsedClientEvent {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return {
      ok: false,
      code: 'invalid_event',
      message: `Invalid event: expected a JSON object, but got ${describeType(json)} instead.`,
      param: null,
      eventId: null,
    };
  }
  const record = json as Record<string, unknown>;
  const eventIdValue = typeof record.event_id === 'string' ? record.event_id : null;
  const type = record.type;
  if (typeof type !== 'string') {
    return {
      ok: false,
      code: type === undefined ? 'missing_required_parameter' : 'invalid_type',
      message: type === undefined ? "Missing required parameter: 'type'." : `Invalid type for 'type': expected a string, but got ${describeType(type)} instead.`,
      param: 'type',
      eventId: eventIdValue,
    };
  }
  if (!(CLIENT_EVENT_TYPES as readonly string[]).includes(type)) {
    return {
      ok: false,
      code: 'invalid_event',
      message: `Invalid value: '${type.slice(0, 100)}'. Supported values are: ${CLIENT_EVENT_TYPES.map((t) => `'${t}'`).join(', ')}.`,
      param: 'type',
      eventId: eventIdValue,
    };
  }
  const parsed = ClientEventSchema.safeParse(json);
  if (parsed.success) return { ok: true, event: parsed.data };
  const issue = parsed.error.issues[0];
  const path = issue?.path ?? [];
  const param = path.length > 0 ? path.map(String).join('.') : null;
  const actual = valueAt(json, path);
  if (actual === undefined && issue !== undefined && path.length > 0) {
    return { ok: false, code: 'missing_required_parameter', message: `Missing required parameter: '${param}'.`, param, eventId: eventIdValue };
  }
  if (issue?.code === 'invalid_type') {
    return {
      ok: false,
      code: 'invalid_type',
      message: `Invalid type for '${param}': ${issue.message.replace(/^Invalid input: /, '')}, but got ${describeType(actual)} instead.`,
      param,
      eventId: eventIdValue,
    };
  }
  return {
    ok: false,
    code: 'invalid_value',
    message: `Invalid value for '${param ?? 'event'}': ${issue?.message ?? 'invalid input'}.`,
    param,
    eventId: eventIdValue,
  };
}
