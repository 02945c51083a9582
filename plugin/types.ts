// The plugin's base types: plain data every other plugin module may import. This module imports nothing, so the
// modules that use these types (the binding, the session, the events, the errors) need not import each other.

/** What the player sees of an NPC's conversation. */
export type NpcState = 'idle' | 'connecting' | 'listening' | 'thinking' | 'speaking' | 'closed' | 'error';

/** Token counts of one response (`response.done.response.usage`). */
export interface NpcUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
}

/** One line of an NPC conversation, as kept by the plugin. */
export interface ConversationLine {
  readonly role: 'player' | 'npc';
  readonly text: string;
}

/** Codes of the `warning` event: something is misconfigured but the plugin carries on. */
export type NpcVoiceWarningCode =
  /** A persona lists tools the game did not register; the NPC runs without them. */
  | 'unknown_tool'
  /** A hot-reloaded persona failed validation; the NPCs keep the persona they had. */
  | 'persona_rejected';

/** Codes of `NpcVoiceConfigError`: a mistake in the plugin's options, a persona or a call, thrown to the caller. */
export type NpcVoiceConfigErrorCode =
  /** A plugin option (or a `setListener()` argument) is missing or has the wrong type or range. */
  | 'invalid_option'
  /** A persona failed validation, or `updatePersona()` got a persona with another id. */
  | 'invalid_persona'
  /** `bind()` named a persona id the plugin was not given. */
  | 'unknown_persona'
  /** `bind()` got something that is not a Phaser game object. */
  | 'invalid_sprite'
  /** `bind()` was called after the plugin was destroyed with its scene. */
  | 'destroyed';

/** Codes of `NpcSessionError`: one NPC's Realtime session failed (emitted as an `error` event). */
export type NpcSessionErrorCode =
  /** Opening the Realtime connection failed (other than a `MintError`, which is reported as it is). */
  | 'connect_failed'
  /** A WebRTC session had neither a microphone nor an AudioContext to make a placeholder track from. */
  | 'no_audio_track'
  /** The Realtime API sent an `error` event. */
  | 'realtime_error'
  /** The connection dropped unexpectedly; the session reconnects with backoff. */
  | 'connection_lost'
  /** Reconnecting failed the configured number of times. */
  | 'retries_exhausted'
  /** Sending text or audio over a live connection threw. */
  | 'send_failed'
  /** A hot-reloaded persona could not be applied to the live session (`updateAgent` failed). */
  | 'persona_update_failed'
  /** A picture (`binding.show()`) could not be sent: the session was closed or destroyed first. */
  | 'session_closed';

declare const mintEndpointCodeBrand: unique symbol;

/**
 * An error code the mint endpoint chose (its error body's `error.code`, else `error.type`), passed through as it is
 * so a game can react to its own backend's codes (e.g. `'unknown_persona'`, `'too_many_requests'`). Branded so that
 * only the mint client makes one: the plugin's own codes stay a closed union.
 */
export type MintEndpointCode = string & { readonly [mintEndpointCodeBrand]: true };

/** Codes of `MintError`: the mint endpoint could not be reached, refused, or answered something unreadable. */
export type MintErrorCode =
  /** The request never got an answer (offline, DNS, CORS, aborted). */
  | 'network_error'
  /** The endpoint answered 2xx with a body that is not an ephemeral key. */
  | 'invalid_response'
  /** The endpoint answered an error status with no code in its body. */
  | `http_${number}`
  | MintEndpointCode;

/** Every code of a plugin error (`NpcVoiceError.code`), whichever subclass carries it. */
export type NpcVoiceErrorCode =
  | NpcVoiceConfigErrorCode
  | NpcSessionErrorCode
  | MintErrorCode
  /** A game tool threw or returned something that could not be sent to the model (`ToolError`). */
  | 'tool_failed'
  /** The microphone cannot be used: denied, absent, blocked or unsupported (`MicUnavailableError`). */
  | 'mic_unavailable'
  /** Opening the microphone failed for another reason. */
  | 'mic_failed'
  /** A tool's `ctx.act()` mutation threw when the frame applied it. */
  | 'action_failed'
  /** The plugin's per-frame work (voices, listener, mic routing, sessions) threw. */
  | 'frame_failed'
  /** The AudioContext could not be resumed after a user gesture. */
  | 'audio_locked'
  /** The audio layer could not start; the plugin continues with subtitles only. */
  | 'audio_unavailable'
  /** One NPC's spatial voice could not be created. */
  | 'voice_failed'
  /** `binding.show()` could not capture the game canvas (no canvas, an adapter without snapshots, no frame rendered). */
  | 'snapshot_failed';
