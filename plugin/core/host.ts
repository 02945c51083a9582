import type { PlayerPose } from './addressing.js';
import type { SnapshotFrame, SnapshotImage } from './snapshot.js';

/** Something with a position in world pixels (an NPC's game object, the player). */
export interface Positioned {
  readonly x: number;
  readonly y: number;
}

/** The Web Audio graph of the engine: its context, and the node behind its master volume and mute. */
export interface HostAudioOutput {
  context: AudioContext;
  destination: AudioNode;
}

/**
 * What the engine-agnostic core needs from a game engine: the host port. An adapter (`plugin/adapters/phaser/`)
 * implements it for one engine; a PixiJS or Three.js adapter would implement the same four members.
 *
 * @example
 * const host: NpcVoiceHost = {
 *   onDestroyed: (npc, gone) => { npc.once('destroyed', gone); return () => npc.off('destroyed', gone); },
 *   onFrame: (tick) => { const fn = () => tick(performance.now()); app.ticker.add(fn); return () => app.ticker.remove(fn); },
 *   listener: () => ({ x: player.x, y: player.y }),
 *   audioOutput: () => null,
 * };
 */
export interface NpcVoiceHost {
  /**
   * Lifetime: calls `gone` once when the engine destroys the NPC's object (its binding is destroyed with it).
   * Returns the matching off, called when the binding ends first.
   */
  onDestroyed(npc: Positioned, gone: () => void): () => void;
  /** Frame tick: calls `tick(nowMs)` on every engine frame until the returned off is called (scene shutdown). */
  onFrame(tick: (nowMs: number) => void): () => void;
  /** Position source: where the listener (the player, or the camera) is this frame; null when there is none yet. */
  listener(): PlayerPose | null;
  /** The engine's own Web Audio output, used when neither the `audioContext` option nor Howler gives one; or null. */
  audioOutput(): HostAudioOutput | null;
  /**
   * Optional, for `binding.show()`: a picture of what the game renders (the whole canvas, or `frame` in game
   * pixels), taken after a rendered frame so a WebGL canvas is not read blank. Rejects with an `NpcVoiceError`
   * (`snapshot_failed`) when there is no canvas to capture. An adapter without it cannot show NPCs the scene.
   */
  snapshot?(frame: SnapshotFrame | undefined): Promise<SnapshotImage>;
}
