// The persona hot-reload channel between `phaser-npc-voice/vite` (Node) and the plugin (browser): the dev server
// sends a validated persona over Vite's HMR socket, a client module it injects re-dispatches it as a window event of
// the same name, and every running NpcVoicePlugin applies it with `updatePersona`.

/** Name of the Vite HMR custom event and of the window `CustomEvent` (detail: {@link PersonaHmrPayload}). */
export const PERSONA_HMR_EVENT = 'npc-voice:persona';

/** What one persona edit carries. */
export interface PersonaHmrPayload {
  id: string;
  /** The validated persona (the plugin validates it again). */
  persona: unknown;
}
