// The demo village: boots Phaser with the NPC voice plugin, the HUD, the ambience and the automation hook.
// URL options: `?renderer=webgl` (default canvas), `?e2e=1` (audio probe, raw microphone, no ambience unless
// `&ambience=1`), `?probe=1` (the probe alone: the game otherwise as players get it), `?ambience=0|1`,
// `?transport=webrtc|websocket` (default: WebRTC when the server and the browser have it).
import Phaser from 'phaser';
import { Ambience } from './ambience.js';
import type { NpcVoiceDemo, NpcVoiceDemoProbe } from './automation.js';
import { installProbe } from './e2eTap.js';
import { Hud } from './hud.js';
import { VillageScene } from './VillageScene.js';
import { createVoiceSetup } from './voice.js';
import { VillageState } from './world.js';
import './style.css';

const params = new URLSearchParams(location.search);
const e2e = params.get('e2e') === '1';
const probeOn = e2e || params.get('probe') === '1';
const ambienceOn = params.has('ambience') ? params.get('ambience') === '1' : !e2e;
const renderer = params.get('renderer') === 'webgl' ? Phaser.WEBGL : Phaser.CANVAS;

/** The forge's hearth on the map (tiles 3–4, row 6): where the forge loop sounds from. */
const FORGE_AT = { x: 128, y: 208 };

/** Server mode and transports from `/healthz` (fetched before the game starts: the transport is part of its config). */
const health = await fetchHealth();
const transport = chooseTransport(params.get('transport'), health.transports);

const state = new VillageState();
// Creating the Howls creates Howler's AudioContext, which the voice plugin then shares.
const ambience = new Ambience(FORGE_AT.x, FORGE_AT.y);
const voice = createVoiceSetup(state, { rawMic: e2e, transport, ambience });

const app = document.getElementById('app');
if (!app) throw new Error('index.html needs <div id="app">');

let scene: VillageScene | null = null;
const mode = health.mode;
let micDenied = false;
/** The server could not be reached (the offline badge and the Retry button are up). */
let offline = false;
let checkingServer = false;
/** The last line typed, and to whom: put back in the text box if the server went away before it was answered. */
let lastTyped: { text: string; npcId: string } | null = null;

/** Error codes that mean "the server may be gone" (mint unreachable or 5xx, Realtime connection failed or dropped). */
const SERVER_GONE = new Set(['network_error', 'connect_failed', 'connection_lost', 'retries_exhausted', 'send_failed', 'http_502', 'http_503', 'http_504']);

const hud = new Hud(app, {
  onSay: (text) => {
    if (offline) {
      hud.showNotice('The villagers cannot hear you while the server is offline. Press Retry; your line is kept.');
      return false;
    }
    const target = scene?.textTarget();
    if (!scene || !target) {
      hud.showNotice('Nobody is near enough to hear you. Walk up to a villager first.');
      return false;
    }
    scene.sayTo(target, text);
    lastTyped = { text, npcId: target.persona.id };
    return true;
  },
  onToggleVoice: () => {
    if (micDenied || !scene) {
      hud.showNotice('The browser does not let the game use the microphone. You can still type.');
      return;
    }
    const off = !scene.npcVoice.textOnly;
    scene.npcVoice.setTextOnly(off);
    if (off) hud.setTextOnly('Voice is off.');
    else {
      hud.clearTextOnly();
      hud.showNotice('Voice is on: walk up to a villager and talk.');
    }
  },
  onRetry: () => void retry(),
  onEnableMic: () => void askForMicrophone(),
  onTypeOnly: () => {
    scene?.npcVoice.setTextOnly(true);
    hud.setTextOnly('Voice is off.');
  },
  onTyping: (typing) => scene?.setKeyboardEnabled(!typing),
});
state.inventory.onChange((items) => hud.setInventory(items));
for (const message of voice.personaErrors) hud.setPersonaError(message);

/** Whether `/healthz` answers within 3 s. */
async function serverReachable(): Promise<boolean> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 3000);
  try {
    const res = await fetch('/healthz', { signal: abort.signal, cache: 'no-store' });
    return res.ok;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A plugin error, told to the player in their words (the developer's text goes to the console). A connection
 * failure checks the server: if it is gone the game goes offline; if not, the villager is just busy.
 */
function onVoiceError(code: string, message: string, npcName: string | null): void {
  // Developers (and the browser tests) look for failures in the console.
  console.warn(`[npc-voice] ${npcName ? `${npcName}: ` : ''}${message}`);
  if (SERVER_GONE.has(code)) {
    void checkServer(npcName);
    return;
  }
  const who = npcName ?? 'The village';
  hud.showNotice(code.startsWith('audio') ? "The game's sound is not working; subtitles still show what is said." : `${who} had trouble answering. Try again.`, 6000);
}

async function checkServer(npcName: string | null): Promise<void> {
  if (offline || checkingServer) return;
  checkingServer = true;
  const reachable = await serverReachable();
  checkingServer = false;
  if (reachable) {
    hud.showNotice(`${npcName ?? 'The villager'} can't talk right now. Try again in a moment.`, 6000);
    return;
  }
  offline = true;
  hud.setOffline(true);
  // The line the villager never answered goes back into the box, ready to send again.
  const binding = lastTyped && scene?.bindingOf(lastTyped.npcId);
  if (lastTyped && binding && binding.history[binding.history.length - 1]?.role !== 'npc') hud.restoreTyped(lastTyped.text);
}

async function retry(): Promise<void> {
  hud.setOffline(true, 'Trying to reach the village server…');
  if (!(await serverReachable())) {
    hud.setOffline(true, "Still can't reach the village server. Try again in a moment; what you typed is kept.");
    return;
  }
  offline = false;
  hud.setOffline(false);
  hud.showNotice('Back online. Press Enter to say your line again.');
}

async function askForMicrophone(): Promise<void> {
  hud.showMicPrompt(false);
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    stream.getTracks().forEach((t) => t.stop());
    hud.showNotice('Microphone ready: hold SPACE near a villager to talk.');
  } catch (err) {
    micDenied = true;
    const name = err instanceof Error ? err.name : '';
    hud.setTextOnly(name === 'NotFoundError' ? 'No microphone found.' : 'Microphone permission was denied.');
  }
}

async function micPermission(): Promise<PermissionState | 'unknown'> {
  try {
    const status = await navigator.permissions.query({ name: 'microphone' as PermissionName });
    return status.state;
  } catch {
    return 'unknown';
  }
}

async function fetchHealth(): Promise<{ mode: string; transports: string[] }> {
  try {
    const res = await fetch('/healthz');
    const body = (await res.json()) as { mode?: unknown; transports?: unknown };
    return {
      mode: typeof body.mode === 'string' ? body.mode : 'unknown',
      transports: Array.isArray(body.transports) ? body.transports.filter((t): t is string => typeof t === 'string') : ['websocket'],
    };
  } catch {
    return { mode: 'offline', transports: ['websocket'] };
  }
}

/** `?transport=` when given; else WebRTC (lowest latency) when both the server and the browser have it. */
function chooseTransport(asked: string | null, offered: readonly string[]): 'webrtc' | 'websocket' {
  if (asked === 'webrtc' || asked === 'websocket') return asked;
  return offered.includes('webrtc') && typeof RTCPeerConnection === 'function' ? 'webrtc' : 'websocket';
}

let probe: (NpcVoiceDemoProbe & { attachMic(track: MediaStreamTrack): void }) | null = null;
const pendingMics: MediaStreamTrack[] = [];
voice.onMicOpened((mic) => {
  if (probe) probe.attachMic(mic.track);
  else pendingMics.push(mic.track);
});

const sceneReady = new Promise<VillageScene>((resolve) => {
  const village = new VillageScene({
    state,
    hud,
    ambience,
    ambienceOn,
    micStatus: () => voice.micStatus(),
    offline: () => offline,
    onVoiceError: (code, message, npc) => onVoiceError(code, message, npc?.persona.displayName ?? null),
    onReady: resolve,
  });
  new Phaser.Game({
    type: renderer,
    width: 960,
    height: 640,
    parent: 'game',
    backgroundColor: '#2b3a2a',
    scene: [village],
    // Phaser's own sound manager would open a second AudioContext; Howler owns audio here.
    audio: { noAudio: true },
    plugins: { scene: [voice.entry as unknown as Phaser.Types.Core.PluginObjectItem] },
    banner: false,
  });
});

const ready = (async () => {
  const [s, permission] = await Promise.all([sceneReady, micPermission()]);
  scene = s;
  hud.setMode(mode, transport);
  if (permission !== 'granted' && permission !== 'denied' && !e2e) hud.showMicPrompt(true);
  if (permission === 'denied') hud.setTextOnly('Microphone permission was denied.');
  if (probeOn) {
    probe = await installProbe(Ambience.context(), Ambience.destination());
    for (const track of pendingMics.splice(0)) probe.attachMic(track);
  }
})();

const requireScene = (): VillageScene => {
  if (!scene) throw new Error('npcVoiceDemo: await window.npcVoiceDemo.ready first');
  return scene;
};

const hook: NpcVoiceDemo = {
  ready,
  teleportPlayer: (x, y) => requireScene().setPlayer(x, y),
  player: () => ({ x: state.player.x, y: state.player.y }),
  npcs: () => requireScene().npcList(),
  subtitles: () => requireScene().subtitles.all(),
  labels: () => requireScene().labels(),
  playerBubble: () => requireScene().playerBubble(),
  micIndicator: () => hud.micState,
  offline: () => offline,
  inventory: () => [...state.inventory.list()],
  say: (npcId, text) => {
    const s = requireScene();
    const binding = s.bindingOf(npcId);
    if (!binding) throw new Error(`npcVoiceDemo.say: no NPC "${npcId}" (try blacksmith, guard, herbalist)`);
    s.sayTo(binding, text);
  },
  show: (npcId) => {
    const s = requireScene();
    const binding = s.bindingOf(npcId);
    if (!binding) return Promise.reject(new Error(`npcVoiceDemo.show: no NPC "${npcId}" (try blacksmith, guard, herbalist)`));
    return s.showTo(binding);
  },
  gateOpen: () => state.gateOpen,
  mode: () => mode,
  transport: () => transport,
  ambienceDucked: () => ambience.isDucked,
  personaReloads: () => [...(scene?.personaReloads ?? [])],
  personaError: () => hud.personaErrorText(),
  textOnly: () => micDenied || hud.isTextOnly || (scene?.npcVoice.textOnly ?? false),
  fps: () => scene?.game.loop.actualFps ?? 0,
  frames: () => scene?.game.loop.frame ?? 0,
  renderer: () => requireScene().rendererName(),
  turnLatenciesMs: () => [...(scene?.latenciesMs ?? [])],
  restartScene: () => requireScene().restart(),
  sceneStats: () => requireScene().stats(),
  get probe() {
    return probe;
  },
};
window.npcVoiceDemo = hook;
