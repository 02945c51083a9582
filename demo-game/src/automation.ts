// The demo's automation hook: `window.npcVoiceDemo`, for browser tests, benchmarks and scripted demos. Positions are
// world pixels (the map is 960 × 640, one tile is 32 px); ids are persona ids.
import type { NpcState } from '../../plugin/index.js';

/** One NPC as the hook reports it. */
export interface DemoNpc {
  /** Persona id: `blacksmith`, `guard`, `herbalist`. */
  id: string;
  x: number;
  y: number;
  state: NpcState;
  /**
   * What the NPC's badge tells the player: the state, except `ready` for a connected NPC the microphone does not
   * reach now (`listening` only while it really does) and `offline` while the server cannot be reached.
   */
  badge: NpcState | 'ready' | 'offline';
  /** Audible gaps in the NPC's streamed voice so far (0 over WebRTC, whose jitter buffer conceals them). */
  underruns: number;
}

/** The microphone indicator: `live` (a villager hears the player now), `waiting` (for permission) or `off`. */
export type MicIndicator = 'off' | 'live' | 'waiting';

/** What the running scene holds: the same numbers after any number of restarts, or something leaks. */
export interface DemoSceneStats {
  /** Villagers the scene ticks. */
  actors: number;
  /** The plugin's NPC bindings. */
  bindings: number;
  /** Game objects on the scene's display list. */
  gameObjects: number;
  /** Listeners on the scene's event emitter, its keyboard, the plugin, the gate. */
  sceneListeners: number;
  keyboardListeners: number;
  pluginListeners: number;
  gateListeners: number;
}

/** A text drawn over the world, with its rectangle in canvas px (the camera does not scroll: world px too). */
export interface DemoLabel {
  /** `player` or an NPC id. */
  owner: string;
  /** The player's `bubble`; an NPC's `name`, state `badge`, `subtitle` or `hint` (what they can be asked). */
  kind: 'bubble' | 'name' | 'badge' | 'subtitle' | 'hint';
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One subtitle line: a player's words (spoken or typed) or an NPC's, `final` once complete. */
export interface DemoSubtitle {
  /** `player` or the NPC's persona id. */
  speaker: string;
  text: string;
  final: boolean;
}

/** A stretch of sound seen by a probe meter, in AudioContext seconds (`end` null while it lasts). */
export interface SoundSegment {
  start: number;
  end: number | null;
}

/** Audio measurements, present with `?e2e=1` or `?probe=1`: meters on the game's master output and on the microphone. */
export interface NpcVoiceDemoProbe {
  /** The AudioContext's current time (s): the clock every probe time uses. */
  now(): number;
  contextState(): AudioContextState;
  /** Sound segments at the output (threshold 0.01, 300 ms hold). */
  output(): SoundSegment[];
  /** Sound segments of the microphone as the game received it (threshold 0.02, 400 ms hold). */
  mic(): SoundSegment[];
  /** Key presses and releases seen by the page, in context time. */
  keys(): { key: string; down: boolean; t: number }[];
  /** Starts a new energy window for `outputRms()`. */
  resetEnergy(): void;
  /** RMS of the left and right output channels since `resetEnergy()`. */
  outputRms(): { left: number; right: number };
}

/**
 * `window.npcVoiceDemo`. Wait for `ready` before calling anything else.
 * @example
 * await page.waitForFunction(() => window.npcVoiceDemo !== undefined);
 * await page.evaluate(() => window.npcVoiceDemo.ready);
 * await page.evaluate(() => window.npcVoiceDemo.say('blacksmith', 'tell me about the forge'));
 */
export interface NpcVoiceDemo {
  /** Resolves when the village is drawn, the NPCs are bound and the server mode is known. */
  ready: Promise<void>;
  /** Moves the player to world (x, y) at once (no collision check). */
  teleportPlayer(x: number, y: number): void;
  /** Where the player stands (world px, at the feet). */
  player(): { x: number; y: number };
  /** Every NPC with its position and voice state. */
  npcs(): DemoNpc[];
  /** Every subtitle line since the page loaded, oldest first (lines update in place until final). */
  subtitles(): DemoSubtitle[];
  /** Every text drawn over the world now (visible ones only): bubbles, names, badges, subtitles, hints. */
  labels(): DemoLabel[];
  /** The player's bubble: what the villager heard, or (`missed`) that they did not catch it; null when hidden. */
  playerBubble(): { text: string; missed: boolean } | null;
  /** The microphone indicator in the bottom bar, as shown. */
  micIndicator(): MicIndicator;
  /** Whether the game told the player the server is offline (badge, banner, Retry button). */
  offline(): boolean;
  /** What the player carries, in the order received. */
  inventory(): string[];
  /**
   * Types `text` to the NPC `npcId` wherever it stands (shown as a player subtitle), as a game that names its
   * addressee does. The text box itself only reaches the villager in hearing range.
   */
  say(npcId: string, text: string): void;
  /**
   * Shows the NPC `npcId` the scene (what the L key does for the villager in range): `binding.show()` sends a JPEG of
   * the canvas. Resolves once it is sent; rejects with the plugin's error.
   */
  show(npcId: string): Promise<void>;
  /** Whether the north gate is open. */
  gateOpen(): boolean;
  /** Server mode from `/healthz`: `emulator` or `openai`. */
  mode(): string;
  /** The Realtime transport the NPC sessions use: `webrtc` or `websocket`. */
  transport(): 'webrtc' | 'websocket';
  /** Whether music and forge are ducked (an NPC is speaking; always false when the ambience is off, as with `?e2e=1`). */
  ambienceDucked(): boolean;
  /** Ids of the personas hot-reloaded so far (one entry per successful reload). */
  personaReloads(): string[];
  /** The last persona validation error shown on screen, or null. */
  personaError(): string | null;
  /** Whether the game fell back to typing only (microphone denied or absent). */
  textOnly(): boolean;
  /** Frames per second Phaser measures. */
  fps(): number;
  /** Frames Phaser has stepped since the game started (`game.loop.frame`): stops growing when the game freezes. */
  frames(): number;
  /** Which renderer runs: `canvas` or `webgl`. */
  renderer(): 'canvas' | 'webgl';
  /** Per-turn latency (ms) the game measured from the end of the player's turn to the NPC's first audio. */
  turnLatenciesMs(): number[];
  /** What the scene holds now (see {@link DemoSceneStats}). */
  sceneStats(): DemoSceneStats;
  /** Restarts the village scene (`scene.restart()`); resolves when the new run is built. State (bag, gate) survives. */
  restartScene(): Promise<void>;
  /** Audio probe, only with `?e2e=1` or `?probe=1`. */
  probe: NpcVoiceDemoProbe | null;
}

declare global {
  interface Window {
    /** The demo's automation hook (see demo-game/src/automation.ts). */
    npcVoiceDemo: NpcVoiceDemo;
  }
}
