// Every integration point with the phaser-npc-voice plugin lives here: building the plugin entry for the game config
// (personas, tools, audio backend, listener), and wiring its events to the scene, the HUD and the designer loop.
import {
  createNpcVoicePlugin,
  NpcVoiceConfigError,
  NpcVoiceEvents,
  parsePersonaJson,
  type NpcVoiceEventMap,
  type AudioBackend,
  type MicSource,
  type NpcBinding,
  type NpcVoicePlugin,
  type NpcVoicePluginEntry,
  type VoiceMixerLike,
} from '../../plugin/index.js';
import { MicCapture, VoiceMixer } from '../../plugin/audio/index.js';
import { Ambience, DUCK } from './ambience.js';
import { onPersonaFileChange, personaSources } from './personas.js';
import { villageTools, type VillageView } from './tools.js';
import type { VillageState } from './world.js';

/** Microphone processing off: exact levels for tests and benchmarks (browser-testing.md §2). */
const RAW_MIC: MediaTrackConstraints = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };

/** What the game config needs from the voice layer, plus what happened while loading personas. */
export interface VoiceSetup {
  entry: NpcVoicePluginEntry<VillageView>;
  /** Persona files that failed validation at startup (their NPCs stay silent until fixed). */
  personaErrors: string[];
  /** The mixer, once the plugin created it (after the first interaction or proximity). */
  mixer(): VoiceMixer | null;
  /** Called with every microphone the plugin opens (the e2e probe meters it). */
  onMicOpened(fn: (mic: MicSource) => void): void;
  /** Where the microphone is: `waiting` while the browser asks the player for permission, `open`, or `closed`. */
  micStatus(): 'closed' | 'waiting' | 'open';
}

/**
 * Builds the plugin entry: the three village personas, the village tools, the Web Audio backend sharing Howler's
 * context and master gain, the player as listener, push-to-talk on SPACE, the chosen Realtime transport, the
 * ambience ducking while a villager speaks.
 */
export function createVoiceSetup(
  state: VillageState,
  options: { rawMic: boolean; transport: 'webrtc' | 'websocket'; ambience: Ambience },
): VoiceSetup {
  const personas: Record<string, unknown> = {};
  const personaErrors: string[] = [];
  for (const [id, text] of Object.entries(personaSources)) {
    const parsed = parsePersonaJson(text, `${id}.json`);
    if (parsed.ok) personas[parsed.persona.id] = JSON.parse(text) as unknown;
    else personaErrors.push(parsed.error.message);
  }
  let mixer: VoiceMixer | null = null;
  const micListeners: ((mic: MicSource) => void)[] = [];
  // What the microphone indicator shows: opens in flight (the permission prompt) and microphones open now.
  let opening = 0;
  const openMics = new Set<MicSource>();
  const audio: AudioBackend = {
    createMixer: (o): VoiceMixerLike => {
      mixer = new VoiceMixer(o);
      return mixer;
    },
    openMic: async (context) => {
      opening++;
      let mic: MicSource;
      try {
        mic = await MicCapture.open(context, options.rawMic ? { constraints: RAW_MIC } : {});
      } finally {
        opening--;
      }
      const opened = mic;
      // The plugin closes the microphone through this wrapper, so the indicator knows when it is off.
      const tracked: MicSource = {
        onChunk: (cb) => opened.onChunk(cb),
        level: () => opened.level(),
        get track() {
          return opened.track;
        },
        close: () => {
          openMics.delete(tracked);
          opened.close();
        },
      };
      openMics.add(tracked);
      for (const fn of micListeners) fn(tracked);
      return tracked;
    },
  };
  const entry = createNpcVoicePlugin<VillageView>({
    personas,
    tools: villageTools(state.actions),
    gameView: () => state.view(),
    listener: state.player,
    audio,
    audioContext: () => Ambience.context(),
    audioDestination: Ambience.destination(),
    pushToTalkKey: 'SPACE',
    maxLiveSessions: 3,
    transport: options.transport,
    // Music and the forge fade while a villager speaks.
    duck: { howls: () => options.ambience.howls(), ...DUCK },
  });
  return {
    entry,
    personaErrors,
    mixer: () => mixer,
    onMicOpened: (fn) => micListeners.push(fn),
    micStatus: () => (opening > 0 ? 'waiting' : openMics.size > 0 ? 'open' : 'closed'),
  };
}

/** What the voice wiring reports to the scene and HUD. */
export interface VoiceCallbacks {
  playerWords(npc: NpcBinding, text: string, final: boolean): void;
  npcDelta(npc: NpcBinding, delta: string): void;
  npcLine(npc: NpcBinding, text: string): void;
  speaking(npc: NpcBinding, on: boolean): void;
  stateChanged(npc: NpcBinding): void;
  usage(npc: NpcBinding, inputTokens: number, outputTokens: number): void;
  toolCall(npc: NpcBinding, name: string, output: string): void;
  micUnavailable(reason: string): void;
  error(code: string, message: string, npc: NpcBinding | null): void;
  personaUpdated(id: string): void;
  personaRejected(message: string): void;
}

/**
 * Wires the plugin's events to the game and subscribes to persona file edits (Vite HMR). Returns the teardown,
 * called on scene shutdown.
 */
export function wireVoice(plugin: NpcVoicePlugin<object>, cb: VoiceCallbacks): () => void {
  const unsubscribe: (() => void)[] = [];
  const listen = <K extends keyof NpcVoiceEventMap & string>(event: K, fn: (...args: NpcVoiceEventMap[K]) => void): void => {
    plugin.on(event, fn);
    unsubscribe.push(() => plugin.off(event, fn));
  };
  listen(NpcVoiceEvents.PLAYER_TRANSCRIPT, (npc, text, final) => cb.playerWords(npc, text, final));
  listen(NpcVoiceEvents.NPC_TRANSCRIPT_DELTA, (npc, delta) => cb.npcDelta(npc, delta));
  listen(NpcVoiceEvents.NPC_TRANSCRIPT, (npc, text) => cb.npcLine(npc, text));
  listen(NpcVoiceEvents.SPEAKING_START, (npc) => cb.speaking(npc, true));
  listen(NpcVoiceEvents.SPEAKING_STOP, (npc) => cb.speaking(npc, false));
  listen(NpcVoiceEvents.SESSION_STATE, (npc) => cb.stateChanged(npc));
  listen(NpcVoiceEvents.USAGE, (npc, u) => cb.usage(npc, u.inputTokens, u.outputTokens));
  listen(NpcVoiceEvents.TOOL_CALL_END, (npc, name, output) => cb.toolCall(npc, name, output));
  listen(NpcVoiceEvents.MIC_UNAVAILABLE, (reason) => cb.micUnavailable(reason));
  listen(NpcVoiceEvents.ERROR, (error, npc) => cb.error(error.code, error.message, npc));

  // Designer loop: a saved persona file is validated and applied; a bad one is shown and the old persona kept.
  const offHmr = onPersonaFileChange((id, text) => {
    const parsed = parsePersonaJson(text, `${id}.json`);
    if (!parsed.ok) {
      cb.personaRejected(`${parsed.error.message} (keeping the previous ${id})`);
      return;
    }
    try {
      plugin.updatePersona(id, parsed.persona);
      cb.personaUpdated(id);
    } catch (err) {
      const field = err instanceof NpcVoiceConfigError ? ` [${err.field}]` : '';
      cb.personaRejected(`${id}.json${field}: ${err instanceof Error ? err.message : String(err)} (keeping the previous ${id})`);
    }
  });

  return () => {
    offHmr();
    for (const off of unsubscribe.splice(0)) off();
  };
}
