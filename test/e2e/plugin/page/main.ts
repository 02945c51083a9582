// Test page for the Phaser adapter: a real Phaser 4 game (headless renderer) with the plugin installed through
// `createNpcVoicePlugin()` exactly as a game does, text-only (no audio backend) over WebSocket — or, with
// `?transport=webrtc&audio=1`, over WebRTC with the Web Audio backend playing each NPC's remote voice. The scene starts
// only when the test says so, so the plugin can be observed booted but not started. Everything the tests drive or
// read goes through `window.pluginHarness`.
import Phaser from 'phaser';
import {
  createNpcVoicePlugin,
  NpcBinding,
  NpcVoiceConfigError,
  NpcVoiceError,
  NpcVoiceEvents,
  NpcVoicePlugin,
  MintError,
  type ConversationLine,
  type NpcState,
} from '../../../../plugin/index.js';
import { webAudioBackend } from '../../../../plugin/audio/index.js';

const personaFiles = import.meta.glob<string>('../../../../assets/personas/*.json', { query: '?raw', import: 'default', eager: true });
/** The real persona files by id, parsed (the plugin validates them at startup). */
const personas: Record<string, unknown> = Object.fromEntries(
  Object.entries(personaFiles).map(([path, text]) => [path.replace(/^.*\//, '').replace(/\.json$/, ''), JSON.parse(text) as unknown]),
);

const params = new URLSearchParams(location.search);
/** `?mint=<url>`: the mint endpoint (the rig passes the real server's, called cross-origin). */
const mintEndpoint = params.get('mint') ?? undefined;
const transport = params.get('transport') === 'webrtc' ? 'webrtc' : 'websocket';
const audio = params.get('audio') === '1' ? { audio: webAudioBackend } : {};

const SCENE_KEY = 'village';
/** Far beyond every persona's hearing radius: nothing opens by proximity. */
const FAR_PX = 5000;

/** The game's only scene; counts its own frames so tests can see the game loop keeps running. */
class VillageScene extends Phaser.Scene {
  frames = 0;

  constructor() {
    super({ key: SCENE_KEY });
  }

  override update(): void {
    this.frames++;
  }
}

/** A plugin event as the test sees it (arguments reduced to what can cross `page.evaluate`). */
export interface LoggedEvent {
  event: string;
  /** Binding id of the event's NPC argument, if any. */
  npc: string | null;
  /** Binding ids of an NPC-list argument (`persona-updated`). */
  npcs: string[];
  /** The first string argument: transcript text, warning code, mic-unavailable reason. */
  text: string | null;
  /** The error argument of `error` / `tool-error`. */
  error: { name: string; code: string; message: string; status: number | null; field: string | null } | null;
  /** The scene frame count when the event was emitted. */
  frame: number;
}

/** What the test reads about one bound NPC. */
export interface BindingInfo {
  id: string;
  state: NpcState;
  destroyed: boolean;
  history: ConversationLine[];
  /** Whether `npcVoice.npcs` still lists it. */
  listed: boolean;
}

/** Listeners on `scene.sys.events` for one event name: all of them, and those that are the plugin's own methods. */
export interface ListenerCount {
  total: number;
  plugin: number;
}

/** What `updatePersona` did: applied, or the error it threw. */
export type PersonaUpdateResult =
  | { ok: true; id: string }
  | { ok: false; name: string; code: string; field: string | null; message: string };

const scene = new VillageScene();
const game = new Phaser.Game({
  type: Phaser.HEADLESS,
  width: 800,
  height: 600,
  parent: 'game',
  banner: false,
  audio: { noAudio: true },
  // The Phaser plugin-config boundary: Phaser types scene plugins loosely; the entry is what it expects.
  plugins: { scene: [createNpcVoicePlugin({ personas, transport, ...audio, ...(mintEndpoint ? { mintEndpoint } : {}) }) as unknown as Phaser.Types.Core.PluginObjectItem] },
  // The scene is added once the game is ready, not started (the first config scene would auto-start).
  scene: [],
});

const events: LoggedEvent[] = [];
const sprites = new Map<string, Phaser.GameObjects.GameObject>();
const bindings = new Map<string, NpcBinding>();

function logEvent(event: string, args: readonly unknown[]): void {
  const npc = args.find((a): a is NpcBinding => a instanceof NpcBinding);
  const list = args.find((a): a is unknown[] => Array.isArray(a));
  const text = args.find((a): a is string => typeof a === 'string');
  const error = args.find((a): a is NpcVoiceError => a instanceof NpcVoiceError);
  events.push({
    event,
    npc: npc?.id ?? null,
    npcs: (list ?? []).filter((a): a is NpcBinding => a instanceof NpcBinding).map((b) => b.id),
    text: text ?? null,
    error: error
      ? {
          name: error.name,
          code: error.code,
          message: error.message,
          status: error instanceof MintError ? error.status : null,
          field: error instanceof NpcVoiceConfigError ? error.field : null,
        }
      : null,
    frame: scene.frames,
  });
}

/** Resolves once the game has booted and the scene (with its plugin) exists, not started. */
const ready = new Promise<void>((resolve) => {
  game.events.once(Phaser.Core.Events.READY, () => {
    game.scene.add(SCENE_KEY, scene, false);
    // Subscribed once: the plugin instance lives as long as the scene, across restarts.
    for (const name of Object.values(NpcVoiceEvents)) scene.npcVoice.on(name, (...args: readonly unknown[]) => logEvent(name, args));
    resolve();
  });
});

function plugin(): NpcVoicePlugin {
  return scene.npcVoice;
}

function bindingNamed(name: string): NpcBinding {
  const binding = bindings.get(name);
  if (!binding) throw new Error(`harness: no binding "${name}"`);
  return binding;
}

const harness = {
  ready,

  /** Whether the scene got `this.npcVoice` from the plugin entry, and it is the scene's plugin instance. */
  pluginInstalled: () => ({
    isNpcVoicePlugin: scene.npcVoice instanceof NpcVoicePlugin,
    hasCore: typeof scene.npcVoice?.core?.bind === 'function',
  }),

  /** Starts (or restarts) the scene; resolves after its `create`. */
  startScene: () =>
    new Promise<void>((resolve) => {
      scene.events.once(Phaser.Scenes.Events.CREATE, () => resolve());
      game.scene.start(SCENE_KEY);
    }),

  /** Stops the scene (Phaser SHUTDOWN). */
  stopScene: () => {
    game.scene.stop(SCENE_KEY);
  },

  /** Frames the scene has run. */
  frames: () => scene.frames,

  /**
   * Binds a new sprite to `personaId`, next to the camera centre (the default listener: in hearing range) or far
   * away; returns the binding id.
   */
  bind: (name: string, personaId: string, where: 'near' | 'far') => {
    const mid = scene.cameras.main.midPoint;
    const offset = where === 'near' ? 40 : FAR_PX;
    const sprite = scene.add.rectangle(mid.x + offset, mid.y, 32, 48, 0x8a5a2b);
    const binding = scene.npcVoice.bind(sprite, personaId);
    sprites.set(name, sprite);
    bindings.set(name, binding);
    return binding.id;
  },

  /** Makes a player sprite stand next to NPC `name` and names it the listener (`npcVoice.setListener`). */
  setListenerNextTo: (name: string) => {
    const npc = sprites.get(name) as Phaser.GameObjects.Rectangle | undefined;
    if (!npc) throw new Error(`harness: no sprite "${name}"`);
    plugin().setListener(scene.add.rectangle(npc.x + 30, npc.y, 16, 16, 0x3355ff));
  },

  /** What phaser-npc-voice/vite's client does for a saved persona file: the window event the plugin listens to. */
  dispatchPersonaEdit: (id: string, persona: unknown) => {
    window.dispatchEvent(new CustomEvent('npc-voice:persona', { detail: { id, persona } }));
  },

  /** The player types `text` to the NPC. */
  say: (name: string, text: string) => bindingNamed(name).say(text),

  binding: (name: string): BindingInfo => {
    const b = bindingNamed(name);
    return { id: b.id, state: b.state, destroyed: b.destroyed, history: [...b.history], listed: plugin().npcs.includes(b) };
  },

  /** Ids of `npcVoice.npcs`. */
  npcIds: () => plugin().npcs.map((b) => b.id),

  destroySprite: (name: string) => {
    sprites.get(name)?.destroy();
  },

  /** Hot-reloads a persona; a thrown error is returned, not rethrown, so the test can inspect its type. */
  updatePersona: (id: string, json: unknown): PersonaUpdateResult => {
    try {
      return { ok: true, id: plugin().updatePersona(id, json).id };
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      return {
        ok: false,
        name: err.name,
        code: err instanceof NpcVoiceError ? err.code : '',
        field: err instanceof NpcVoiceConfigError ? err.field : null,
        message: err.message,
      };
    }
  },

  /** Whether push-to-talk is held, as the plugin's core sees it, and whether it runs text-only. */
  microphone: () => ({ talking: plugin().talking, textOnly: plugin().textOnly }),

  /** Listener counts on `scene.sys.events` per event name, telling apart the plugin's own methods. */
  sceneListeners: (): Record<string, ListenerCount> => {
    const p = plugin();
    const own = new Set<unknown>([p.start, p.update, p.shutdown, p.destroy]);
    const emitter = scene.sys.events;
    const out: Record<string, ListenerCount> = {};
    for (const name of emitter.eventNames()) {
      const fns = emitter.listeners(name);
      out[String(name)] = { total: fns.length, plugin: fns.filter((fn) => own.has(fn)).length };
    }
    return out;
  },

  /** Destroys the game (`game.destroy(true)`); resolves when Phaser has torn it down. */
  destroyGame: () =>
    new Promise<void>((resolve) => {
      game.events.once(Phaser.Core.Events.DESTROY, () => resolve());
      game.destroy(true);
    }),

  /** Runs every teardown a second time (plugin shutdown/destroy, game.destroy); returns what threw. */
  tearDownAgain: (): string[] => {
    const p = scene.npcVoice;
    const thrown: string[] = [];
    for (const step of [() => p.shutdown(), () => p.destroy(), () => game.destroy(true)]) {
      try {
        step();
      } catch (err) {
        thrown.push(err instanceof Error ? err.message : String(err));
      }
    }
    return thrown;
  },

  /** Whether `bind()` is refused after destruction, and with which error code. */
  bindAfterDestroy: (): string | null => {
    try {
      scene.npcVoice.bind({ x: 0, y: 0, once: () => null, off: () => null }, 'blacksmith');
      return null;
    } catch (err) {
      return err instanceof NpcVoiceError ? err.code : String(err);
    }
  },

  events: () => [...events],

  /** AudioContexts created and microphone requests made so far (counted by index.html). */
  sensors: () => ({ ...window.pageSensors }),
};

declare global {
  interface Window {
    pluginHarness: typeof harness;
    pageSensors: { audioContexts: number; micRequests: number };
  }
}

window.pluginHarness = harness;
