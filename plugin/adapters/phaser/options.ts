import { fail, resolveOptions, type NpcVoiceCoreOptions, type ResolvedOptions } from '../../core/options.js';
import type { Positioned } from '../../core/host.js';

/** The options only the Phaser adapter reads: its input and who listens in the scene. */
export interface NpcVoicePhaserOptions {
  /** Phaser key name held to talk. Default `SPACE`; `null` disables the key (call `setTalking()` yourself). */
  pushToTalkKey?: string | null;
  /** Who hears the NPCs and talks to them: the player sprite, or the camera centre. Default 'camera'. */
  listener?: Positioned | 'camera';
  /** The player's facing direction (breaks ties between equally near NPCs). */
  playerFacing?: () => Positioned | null;
}

/** Options of the NPC voice plugin (`createNpcVoicePlugin(options)`): the core's and the Phaser adapter's. */
export interface NpcVoiceOptions<G extends object = object> extends NpcVoiceCoreOptions<G>, NpcVoicePhaserOptions {}

/** The Phaser adapter's options after validation, defaults filled. */
export interface ResolvedPhaserOptions {
  pushToTalkKey: string | null;
  listener: Positioned | 'camera';
  playerFacing: (() => Positioned | null) | null;
}

/**
 * Validates the Phaser adapter's options and fills their defaults.
 * @throws NpcVoiceConfigError naming the option and how to fix it.
 */
export function resolvePhaserOptions(options: NpcVoicePhaserOptions = {}): ResolvedPhaserOptions {
  const key = options.pushToTalkKey === undefined ? 'SPACE' : options.pushToTalkKey;
  if (key !== null && (typeof key !== 'string' || !/^[A-Z0-9_]+$/.test(key))) {
    fail('pushToTalkKey', `expected a Phaser key name such as "SPACE" or "T" (Phaser.Input.Keyboard.KeyCodes), or null; got ${JSON.stringify(key)}`);
  }
  const listener = options.listener ?? 'camera';
  if (!isListener(listener)) fail('listener', 'expected the player sprite (anything with x and y) or "camera"');
  if (options.playerFacing !== undefined && typeof options.playerFacing !== 'function') fail('playerFacing', 'expected a function returning {x, y}');
  return { pushToTalkKey: key, listener, playerFacing: options.playerFacing ?? null };
}

/**
 * Validates every option of the plugin, the core's and the adapter's, so mistakes fail at startup.
 * @throws NpcVoiceConfigError naming the option and how to fix it.
 */
export function resolveAllOptions<G extends object>(options: NpcVoiceOptions<G> = {}): { core: ResolvedOptions<G>; phaser: ResolvedPhaserOptions } {
  const core = resolveOptions(options);
  return { core, phaser: resolvePhaserOptions(options) };
}

/** A valid `listener`: `'camera'` or something with numeric `x` and `y` (the `listener` option, `setListener`). */
export function isListener(value: unknown): value is Positioned | 'camera' {
  if (value === 'camera') return true;
  if (typeof value !== 'object' || value === null) return false;
  const { x, y } = value as { x?: unknown; y?: unknown };
  return typeof x === 'number' && typeof y === 'number';
}
