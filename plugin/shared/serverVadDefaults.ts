/**
 * The Realtime API's `server_vad` defaults (realtime-protocol.md §3.3), written once: a persona's `turnTaking`
 * defaults to them, the emulator fills them into a session's `turn_detection` and its voice activity detector
 * falls back to them, so the plugin, the minted session and the emulator cannot disagree.
 */
export const SERVER_VAD_DEFAULTS = {
  /** Activation threshold, 0..1 (`threshold`). */
  threshold: 0.5,
  /** Audio kept before the detected start of speech (`prefix_padding_ms`). */
  prefixPaddingMs: 300,
  /** Silence that ends a turn (`silence_duration_ms`). */
  silenceDurationMs: 500,
} as const;
