// The demo village: boots Phaser with the NPC voice plugin, the HUD, the ambience and the automation hook.
// URL options: `?renderer=webgl` (default canvas), `?e2e=1` (audio probe, raw microphone, no ambience unless
// `&ambience=1`), `?ambience=0|1`, `?transport=webrtc|websocket` (default: WebRTC when the server and the browser
// have it).
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

const hud = new Hud(app, {
  onSay: (text) => {
    const target = scene?.textTarget();
    if (!scene || !target) {
      hud.showNotice('Nobody is near enough to hear you. Walk up to a villager first.');
      return false;
    }
    scene.sayTo(target, text);
    return true;
  },
  onEnableMic: () => void askForMicrophone(),
  onTypeOnly: () => {
    scene?.npcVoice.setTextOnly(true);
    hud.setTextOnly('Voice is off.');
  },
  onTyping: (typing) => scene?.setKeyboardEnabled(!typing),
});
state.inventory.onChange((items) => hud.setInventory(items));
for (const message of voice.personaErrors) hud.setPersonaError(message);

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
  const village = new VillageScene({ state, hud, ambience, ambienceOn, onReady: resolve });
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
  if (e2e) {
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
  inventory: () => [...state.inventory.list()],
  say: (npcId, text) => {
    const s = requireScene();
    const binding = s.bindingOf(npcId);
    if (!binding) throw new Error(`npcVoiceDemo.say: no NPC "${npcId}" (try blacksmith, guard, herbalist)`);
    s.sayTo(binding, text);
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
  get probe() {
    return probe;
  },
};
window.npcVoiceDemo = hook;
