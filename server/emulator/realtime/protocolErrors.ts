import { randomBytes } from 'node:crypto';
import type { ClientEventRejection } from '../../../plugin/shared/protocol/clientEvents.js';
import type { ServerErrorDetail, ServerEvent, ServerEventBody } from '../../../plugin/shared/protocol/serverEvents.js';

/** `error.type` of an OpenAI error: realtime events use the first two; REST rate limits use `requests`. */
export type ProtocolErrorType = ServerErrorDetail['type'] | 'requests';

/** One OpenAI error, before it is put in a realtime `error` event or a REST body. */
export interface ProtocolError<T extends ProtocolErrorType = ProtocolErrorType> {
  type: T;
  code: string | null;
  message: string;
  param: string | null;
}

/** An error that can travel in a realtime `error` event. */
export type RealtimeError = ProtocolError<ServerErrorDetail['type']> & { code: string };

/** Why an `input_image` was refused (the codes OpenAI's image inputs use). */
export type ImageErrorCode = 'invalid_image_url' | 'invalid_image_format' | 'image_parse_error' | 'image_too_large';

/** OpenAI's REST error body. */
export interface RestErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** An error with the given code and message (`invalid_request_error`, no `param`, unless told otherwise). */
export function protocolError<T extends ProtocolErrorType = 'invalid_request_error'>(
  code: string | null,
  message: string,
  options: { param?: string | null; type?: T } = {},
): ProtocolError<T> {
  return { type: options.type ?? ('invalid_request_error' as T), code, message, param: options.param ?? null };
}

const invalid = (code: string, message: string, param: string | null = null): RealtimeError => ({
  type: 'invalid_request_error',
  code,
  message,
  param,
});

const itemNotFound = (itemId: string): RealtimeError => invalid('item_not_found', `Item with item_id '${itemId}' not found.`, 'item_id');

const instructionsTooLong = (max: number, length: number, suffix: string): RealtimeError =>
  invalid(
    'string_above_max_length',
    `Invalid 'session.instructions': string too long. Expected a string with maximum length ${max}, but got a string with length ${length} instead.${suffix}`,
    'session.instructions',
  );

/**
 * Every error the emulator reports, in the service's wording (realtime-protocol.md §3.5), by what went wrong. The
 * realtime ones go out with {@link errorEvent} / {@link errorFrame}, the HTTP ones with {@link restErrorBody}.
 */
export const PROTOCOL_ERRORS = {
  /** A client event the shared protocol schemas rejected (`parseClientEvent`). */
  rejectedEvent: (rejection: Pick<ClientEventRejection, 'code' | 'message' | 'param'>) => invalid(rejection.code, rejection.message, rejection.param),
  invalidJson: (detail: string) => invalid('invalid_json', `The server could not parse the JSON of the event: ${detail}`),
  internal: (): RealtimeError => ({ type: 'server_error', code: 'server_error', message: 'The server had an error while processing your request.', param: null }),
  /** A `session.update` of the other kind of session: a session's type is fixed when it opens. */
  sessionTypeFixed: (requested: string, kind: string) =>
    invalid(
      'invalid_value',
      `Passing a ${requested} session update event to a ${kind} session is not allowed. A session's type is fixed when it opens: connect with ?intent=transcription (or a key minted with session.type 'transcription') for a transcription session.`,
      'session.type',
    ),
  /** A field the session's kind does not have (a transcription session has no instructions, tools or output). */
  unknownParameter: (param: string) => invalid('unknown_parameter', `Unknown parameter: '${param}'.`, param),
  /** A client event a transcription session does not take: it transcribes its input audio and never responds. */
  notInTranscriptionSession: (type: string) =>
    invalid('invalid_event', `'${type}' is not supported in a transcription session: it transcribes input audio and never creates responses or items.`, 'type'),
  /** A `tool_choice` naming a function the session (or the response) does not declare in `tools`. */
  toolChoiceUnknown: (name: string, param: string) =>
    invalid('invalid_value', `Invalid value for '${param}': no function tool named '${name.slice(0, 64)}' is in tools. Declare it in tools or choose 'auto', 'none' or 'required'.`, param),
  /** A `response.input` item reference to an item the conversation does not have. */
  inputItemNotFound: (itemId: string, index: number) =>
    invalid('item_not_found', `Item with item_id '${itemId.slice(0, 64)}' not found (response.input[${index}]).`, `response.input.${index}.id`),
  /** An unknown `?intent=` on the session URL. */
  invalidIntent: (intent: string) =>
    invalid('invalid_value', `Invalid value for 'intent': '${intent.slice(0, 100)}'. Supported values are: 'transcription'.`, 'intent'),
  /** `session.update` instructions over the cap (the session keeps its previous ones). */
  instructionsTooLong: (max: number, length: number) => instructionsTooLong(max, length, ' The session was not updated.'),
  /** Client-secret instructions over the cap (no key is minted). */
  mintInstructionsTooLong: (max: number, length: number) => instructionsTooLong(max, length, ''),
  voiceLocked: () => invalid('cannot_update_voice', "Cannot update a conversation's voice if assistant audio is present.", 'session.audio.output.voice'),
  /** An `input_image` part without its `image_url`. */
  missingImage: (param: string) => invalid('missing_required_parameter', `Missing required parameter: '${param}'.`, param),
  /**
   * An `input_image` part whose `image_url` is not a PNG or JPEG base64 data URL the emulator can read (`why`), with
   * the service's image error codes: not a data URL, an unsupported format, undecodable data, or too many bytes.
   */
  invalidImage: (param: string, code: ImageErrorCode, why: string) => invalid(code, `Invalid image in '${param}': ${why}.`, param),
  itemExists: (itemId: string) => invalid('invalid_value', `Item with id '${itemId}' already exists.`, 'item.id'),
  previousItemMissing: (previousItemId: string) =>
    invalid('invalid_value', `Error adding item: the previous item with id '${previousItemId}' does not exist.`, 'previous_item_id'),
  itemNotFound,
  itemBeingGenerated: (itemId: string) =>
    invalid('invalid_value', `Item '${itemId}' is being generated by the active response and cannot be deleted.`, 'item_id'),
  truncateNotAssistant: () => invalid('invalid_value', 'Only assistant messages can be truncated.', 'item_id'),
  truncateNoAudio: (itemId: string, contentIndex: number) =>
    invalid('invalid_value', `Item '${itemId}' has no audio content at index ${contentIndex}.`, 'content_index'),
  truncateAudioDropped: (itemId: string, capBytes: number) =>
    invalid(
      'invalid_value',
      `The audio of item '${itemId}' is no longer stored: a session keeps at most ${capBytes} bytes of audio, and older items keep only their transcripts.`,
      'item_id',
    ),
  truncateTooLong: (totalMs: number, audioEndMs: number) =>
    invalid('invalid_value', `Audio content of ${Math.floor(totalMs)}ms is already shorter than ${audioEndMs}ms`, 'audio_end_ms'),
  appendTooLarge: (length: number, max: number) =>
    invalid('invalid_value', `Audio payload too large: ${length} base64 characters (max ${max}).`, 'audio'),
  appendNotBase64: () => invalid('invalid_value', "Invalid value for 'audio': expected base64-encoded audio.", 'audio'),
  commitEmpty: (minMs: number, ms: number) =>
    invalid(
      'input_audio_buffer_commit_empty',
      `Error committing input audio buffer: buffer too small. Expected at least ${minMs}ms of audio, but buffer only has ${ms.toFixed(2)}ms of audio.`,
    ),
  outputClearUnsupported: () => invalid('invalid_value', 'output_audio_buffer.clear is only supported for WebRTC and SIP sessions.', 'type'),
  responseActive: (responseId: string) =>
    invalid(
      'conversation_already_has_active_response',
      `Conversation already has an active response in progress: ${responseId}. Wait until the response is finished before creating a new one.`,
    ),
  cancelNotActive: (responseId: string | undefined) =>
    invalid(
      'response_cancel_not_active',
      responseId === undefined ? 'Cancellation failed: no active response found' : `Cancellation failed: response '${responseId}' is not active`,
    ),
  betaShape: () => invalid('beta_api_shape_disabled', 'The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.'),
  idleTimeout: (idleMs: number) =>
    invalid(
      'session_idle_timeout',
      `No session traffic for ${idleMs} ms (NPC_VOICE_WS_IDLE_TIMEOUT_MS): closing the session. Reconnect to continue.`,
    ),
  messageTooLarge: (bytes: number, max: number) => invalid('invalid_value', `Message too large: ${bytes} bytes (maximum ${max}).`),
  /** Replay (`NPC_VOICE_REPLAY`): the client sent another event than the one the cassette recorded next. */
  replayMismatch: (cassette: string, expected: string | null, received: string, clientEventNumber: number) =>
    invalid(
      'replay_mismatch',
      expected === null
        ? `Replay of cassette '${cassette}': the recording has no more client events, received '${received}'.`
        : `Replay of cassette '${cassette}': expected client event ${clientEventNumber} of type '${expected}', received '${received}'.`,
      'type',
    ),
  // HTTP answers of the session endpoints.
  missingApiKey: () => invalid('missing_api_key', "You didn't provide an API key. Provide it in the Authorization header (Bearer auth)."),
  expiredKey: () => invalid('invalid_api_key', 'Ephemeral key has expired. Mint a new one (POST /api/npc-voice/session).'),
  unknownKey: () =>
    invalid('invalid_api_key', 'Incorrect API key provided: this emulator did not issue that ephemeral key. Mint one (POST /api/npc-voice/session).'),
  keyNotIssued: () =>
    invalid(
      'invalid_api_key',
      'Incorrect API key provided: the local emulator accepts only the ek_ keys it minted (POST /api/npc-voice/session or /v1/realtime/client_secrets).',
    ),
  callNotFound: (callId: string) => invalid('call_id_not_found', `No active call with id '${callId}'.`, 'call_id'),
  sidebandNeedsStandardKey: () =>
    invalid('invalid_api_key', 'A sideband connection (?call_id=) needs a standard API key; ephemeral keys cannot attach to a call.'),
  /** Replay: `?cassette=` names no cassette of the replay directory (or a name that is not a plain file name). */
  cassetteNotFound: (name: string) =>
    invalid('cassette_not_found', `No cassette named '${name}' in the replay directory (NPC_VOICE_REPLAY).`, 'cassette'),
  /** Replay: the replay directory holds no cassette at all. */
  noCassettes: () => invalid('cassette_not_found', 'The replay directory (NPC_VOICE_REPLAY) holds no .jsonl cassette.', 'cassette'),
  /** Replay: the chosen cassette cannot be read. */
  unreadableCassette: (detail: string) => protocolError('invalid_cassette', `The cassette cannot be replayed: ${detail}`, { type: 'server_error' }),
  shuttingDown: () => protocolError(null, 'The emulator is shutting down.', { type: 'server_error' }),
  /** A REST call control request (`/v1/realtime/calls/{id}/accept|reject|refer|hangup`) without a standard key. */
  callControlNeedsStandardKey: () =>
    invalid('invalid_api_key', 'Controlling a call (accept, reject, refer, hangup) needs a standard API key; ephemeral keys cannot.'),
  /** accept/reject on a SIP call that was already answered, or refer on one that was not. */
  callWrongState: (callId: string, state: string, action: string) =>
    invalid('call_state_invalid', `Call '${callId}' is ${state}: it cannot be ${action}.`, 'call_id'),
  /** The Calls API refuses server_vad tuning on SIP calls (the SDK's `buildInitialConfig` checks the same). */
  sipTurnDetectionField: (field: string) =>
    invalid('invalid_value', `'${field}' cannot be set on a SIP call's turn detection; leave it out to use the defaults.`, `audio.input.turn_detection.${field}`),
  invalidRejectStatus: () => invalid('invalid_value', "'status_code' must be a SIP status code from 400 to 699.", 'status_code'),
  invalidReferTarget: () => invalid('invalid_value', "'target_uri' must be a sip:, sips: or tel: URI.", 'target_uri'),
  callBodyNotObject: () => invalid('invalid_json', 'The request body must be a JSON object.'),
  tooManySessions: (what: 'sessions' | 'calls', limit: number) =>
    protocolError('rate_limit_exceeded', `Too many concurrent ${what} (limit ${limit}).`, { type: 'requests' }),
  /** Over a per-key or per-address cap of the session admission. */
  admissionRefused: (refusal: { code: string; message: string }) => protocolError(refusal.code, refusal.message, { type: 'requests' }),
} satisfies Record<string, (...args: never[]) => ProtocolError>;

/** The body of a realtime `error` event for `error`, linked to the client event it answers. */
export function errorEvent(error: RealtimeError, clientEventId: string | null): Extract<ServerEventBody, { type: 'error' }> {
  return { type: 'error', error: { type: error.type, code: error.code, message: error.message, param: error.param, event_id: clientEventId } };
}

/**
 * A complete `error` event with its own `event_id`, for transports that answer before (or without) a session engine,
 * linked to the client event it answers when there is one.
 */
export function errorFrame(error: RealtimeError, clientEventId: string | null = null): ServerEvent {
  return { ...errorEvent(error, clientEventId), event_id: `event_${randomBytes(8).toString('hex')}` };
}

/** OpenAI's REST error body for `error`. */
export function restErrorBody(error: ProtocolError): RestErrorBody {
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}
