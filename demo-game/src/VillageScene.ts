import Phaser from 'phaser';
import { NpcVoiceEvents, type NpcBinding } from '../../plugin/index.js';
import type { Ambience } from './ambience.js';
import type { DemoLabel, DemoNpc, DemoSceneStats, MicIndicator } from './automation.js';
import { askHint, shortName } from './hints.js';
import type { Hud } from './hud.js';
import { intersects, clampShift, type Rect } from './layout.js';
import { NpcActor, textRect, type NpcBadge } from './NpcActor.js';
import { SUBTITLE_HOLD_MS, SubtitleLog } from './subtitles.js';
import { SOLID_TILES, TILE } from './tiles.js';
import { wireVoice } from './voice.js';
import type { VillageState } from './world.js';

/** What the scene gets from main.ts. */
export interface VillageSceneDeps {
  state: VillageState;
  hud: Hud;
  ambience: Ambience;
  /** Whether the ambient loops play (off by default in e2e runs so the probe hears only voices). */
  ambienceOn: boolean;
  /** Where the microphone is (voice.ts): `waiting` while the browser asks for permission. */
  micStatus(): 'closed' | 'waiting' | 'open';
  /** Whether the server was found unreachable (main.ts shows the offline badge and the retry button). */
  offline(): boolean;
  /** A plugin error (main.ts tells the player in their words and decides whether the server is gone). */
  onVoiceError(code: string, message: string, npc: NpcBinding | null): void;
  /** Called once the village is built. */
  onReady(scene: VillageScene): void;
}

const PLAYER_SPEED_PX_S = 150;
/** The player's collision box around the feet. */
const FEET = { w: 18, h: 10 };
/** The player's bubble: above the head by default (bottom edge this far above the feet). */
const BUBBLE_ABOVE_Y = -54;
/** Hints show when the player is this much farther than the villager's hearing radius, or nearer. */
const HINT_MARGIN_PX = 80;
/** Bubbles and subtitles keep this far from the canvas edges. */
const EDGE_PX = 4;
/** The north gate's tiles. */
const GATE_TILES: readonly [number, number][] = [
  [14, 0],
  [15, 0],
];

/** The village: tile map, the player, three villagers with voices, the gate. */
export class VillageScene extends Phaser.Scene {
  readonly subtitles = new SubtitleLog();
  readonly actors: NpcActor[] = [];
  /** Latency of each turn: end of the player's turn → first NPC audio (ms). */
  readonly latenciesMs: number[] = [];
  /** Persona ids hot-reloaded so far. */
  readonly personaReloads: string[] = [];
  private player!: Phaser.GameObjects.Container;
  private playerSubtitle!: Phaser.GameObjects.Text;
  private objects!: Phaser.Tilemaps.TilemapLayer;
  private keys!: Record<'up' | 'down' | 'left' | 'right' | 'w' | 'a' | 's' | 'd', Phaser.Input.Keyboard.Key>;
  private readonly usage = new Map<string, { inputTokens: number; outputTokens: number }>();
  /** When each NPC's current turn ended on the player's side (performance.now()), awaiting the first audio. */
  private readonly turnEnd = new Map<string, number>();
  private pttWasDown = false;
  /**
   * NPCs that got player input (words heard, a typed line or a tool result) since their last answer. An answer to
   * nothing heard means the recognition failed: the player's side says so.
   */
  private readonly heardSinceAnswer = new Set<string>();
  /** NPCs in the middle of an answer (its first words arrived, it has not finished). */
  private readonly answering = new Set<string>();
  /** "Brom didn't catch that", shown in the player's bubble until the player speaks or types again. */
  private missed: { npc: string; at: number } | null = null;
  /** Teardown of this run's listeners (plugin events, the gate, the keyboard), run on SHUTDOWN. */
  private readonly offs: (() => void)[] = [];

  constructor(private readonly deps: VillageSceneDeps) {
    super({ key: 'village' });
  }

  preload(): void {
    this.load.svg('tiles', '/sprites/tiles.svg', { width: 256, height: 64 });
    for (const name of ['player', 'blacksmith', 'guard', 'herbalist']) this.load.svg(name, `/sprites/${name}.svg`, { width: 32, height: 48 });
    this.load.tilemapTiledJSON('village', '/maps/village.json');
  }

  /** Phaser calls this each time the scene starts (also after `scene.restart()`): builds this run's world. */
  create(): void {
    const { state, hud } = this.deps;
    // A restart runs create() again on this same object: nothing of the previous run may survive.
    this.actors.length = 0;
    this.turnEnd.clear();
    this.pttWasDown = false;
    this.heardSinceAnswer.clear();
    this.answering.clear();
    this.missed = null;
    const map = this.make.tilemap({ key: 'village' });
    const tileset = map.addTilesetImage('village', 'tiles');
    if (!tileset) throw new Error('tileset "village" missing from the map');
    map.createLayer('ground', tileset, 0, 0);
    const objects = map.createLayer('objects', tileset, 0, 0);
    // The GPU variant cannot be edited tile by tile (the gate changes), so this must be a plain TilemapLayer.
    if (!(objects instanceof Phaser.Tilemaps.TilemapLayer)) throw new Error('layer "objects" missing from the map');
    this.objects = objects;
    // Phaser tile indices are Tiled gids (index + 1).
    objects.setCollision(SOLID_TILES.map((t) => t + 1));
    const spawn = (name: string) => {
      const obj = map.findObject('spawns', (o) => o.name === name);
      return { x: obj?.x ?? 480, y: obj?.y ?? 320 };
    };

    const plugin = this.npcVoice;
    for (const id of ['blacksmith', 'guard', 'herbalist']) {
      const at = spawn(id);
      const persona = plugin.core.getPersona(id);
      const actor = new NpcActor(this, at.x, at.y, id, persona?.displayName ?? id, persona ? askHint(persona) : '');
      this.actors.push(actor);
      try {
        actor.binding = plugin.bind(actor, id);
      } catch (err) {
        hud.setPersonaError(err instanceof Error ? err.message : String(err));
      }
    }

    const start = spawn('player');
    const body = this.add.image(0, 0, 'player').setOrigin(0.5, 1);
    // A top-level text, above everything: no villager's name or subtitle may cover what the player said.
    this.playerSubtitle = this.add
      .text(0, 0, '', { fontFamily: 'sans-serif', fontSize: '13px', color: '#0f2a4a', backgroundColor: '#dff0ff', padding: { x: 6, y: 4 }, wordWrap: { width: 240 }, align: 'center' })
      .setOrigin(0.5, 1)
      .setDepth(Number.MAX_SAFE_INTEGER)
      .setVisible(false);
    this.player = this.add.container(start.x, start.y, [body]);
    this.setPlayer(start.x, start.y);

    const kb = this.input.keyboard;
    if (!kb) throw new Error('the village needs keyboard input');
    const K = Phaser.Input.Keyboard.KeyCodes;
    this.keys = {
      up: kb.addKey(K.UP),
      down: kb.addKey(K.DOWN),
      left: kb.addKey(K.LEFT),
      right: kb.addKey(K.RIGHT),
      w: kb.addKey(K.W, false),
      a: kb.addKey(K.A, false),
      s: kb.addKey(K.S, false),
      d: kb.addKey(K.D, false),
    };
    kb.on('keydown-F2', this.toggleDebug, this);
    kb.on('keydown-BACKTICK', this.toggleDebug, this);
    kb.on('keydown-ENTER', this.focusText, this);
    kb.on('keydown-L', this.onLookKey, this);
    this.offs.push(() => {
      kb.off('keydown-F2', this.toggleDebug, this);
      kb.off('keydown-BACKTICK', this.toggleDebug, this);
      kb.off('keydown-ENTER', this.focusText, this);
      kb.off('keydown-L', this.onLookKey, this);
    });

    // The gate stays open across restarts (the state outlives the scene); a new run redraws it.
    if (state.gateOpen) this.drawGate(false);
    this.offs.push(state.onGateOpen(() => this.drawGate(true)));
    const unwire = wireVoice(plugin, {
      playerWords: (npc, text, final) => {
        if (text.trim() !== '') {
          // A new turn: the answer after it is a new one, even if the last was cut off mid-sentence.
          this.answering.delete(npc.id);
          this.heardSinceAnswer.add(npc.id);
          this.missed = null;
          this.subtitles.set('player', text, final);
        }
        // Hands-free NPCs: the final transcript marks the end of the player's turn.
        if (final && npc.persona.turnTaking.mode !== 'push_to_talk' && !this.turnEnd.has(npc.id)) this.turnEnd.set(npc.id, performance.now());
      },
      npcDelta: (npc, delta) => {
        this.answerStarts(npc);
        this.subtitles.append(npc.persona.id, delta);
      },
      npcLine: (npc, text) => {
        this.answerStarts(npc);
        this.answering.delete(npc.id);
        this.subtitles.set(npc.persona.id, text, true);
      },
      speaking: (npc, on) => {
        if (on) {
          const t0 = this.turnEnd.get(npc.id);
          if (t0 !== undefined) this.latenciesMs.push(performance.now() - t0);
          this.turnEnd.delete(npc.id);
        } else this.subtitles.close(npc.persona.id);
      },
      stateChanged: () => {},
      usage: (npc, inputTokens, outputTokens) => {
        const u = this.usage.get(npc.persona.id) ?? { inputTokens: 0, outputTokens: 0 };
        u.inputTokens += inputTokens;
        u.outputTokens += outputTokens;
        this.usage.set(npc.persona.id, u);
      },
      toolCall: (npc, name) => {
        // The answer that follows speaks the tool's result: input enough, not a failed recognition.
        this.heardSinceAnswer.add(npc.id);
        hud.showNotice(`${npc.persona.displayName} used ${name.replace(/_/g, ' ')}`);
      },
      micUnavailable: (reason) =>
        hud.setTextOnly(reason === 'denied' ? 'Microphone permission was denied.' : reason === 'absent' ? 'No microphone found.' : reason === 'blocked' ? 'The page blocked the microphone (security policy).' : 'The microphone is not available here.'),
      error: (code, message, npc) => this.deps.onVoiceError(code, message, npc),
      personaUpdated: (id) => {
        this.personaReloads.push(id);
        hud.setPersonaError(null);
        hud.showNotice(`Persona "${id}" reloaded`);
      },
      personaRejected: (message) => hud.setPersonaError(message),
    });
    this.offs.push(unwire);
    this.events.once(Phaser.Scenes.Events.SHUTDOWN, this.shutdown, this);
    if (this.deps.ambienceOn) this.deps.ambience.start();
    this.deps.onReady(this);
  }

  override update(time: number, deltaMs: number): void {
    const plugin = this.npcVoice;
    this.move(deltaMs / 1000);
    const addressee = plugin.addressee;
    const down = plugin.core.talking;
    const mic = this.micIndicator();
    const view = this.view();
    for (const actor of this.actors) {
      const b = actor.binding;
      const near = b ? Math.hypot(actor.x - this.player.x, actor.y - this.player.y) <= b.persona.hearingRadiusPx + HINT_MARGIN_PX : false;
      actor.tick(time, this.subtitles.current(actor.personaId)?.text ?? null, this.badgeOf(b, mic), near);
      actor.layout(view);
    }
    this.layoutBubble(view);
    this.deps.hud.setMic(mic, mic === 'live' ? (addressee?.persona.displayName ?? null) : null);

    if (this.pttWasDown && !down && addressee) this.turnEnd.set(addressee.id, performance.now());
    this.pttWasDown = down;
    this.deps.hud.setPtt(addressee?.persona.displayName ?? null, down, plugin.micLevel(), addressee && !isPushToTalk(addressee) ? mic : null);
    this.deps.hud.setInputTarget(addressee?.persona.displayName ?? null);
    if (this.deps.ambienceOn) this.deps.ambience.setListener(this.player.x, this.player.y);
    if (this.deps.hud.debugVisible) {
      this.deps.hud.setDebug({
        renderer: this.rendererName(),
        fps: this.game.loop.actualFps,
        liveSessions: plugin.npcs.filter((b) => !['idle', 'closed', 'error'].includes(b.state)).map((b) => `${b.persona.id} (${b.state})`),
        latenciesMs: this.latenciesMs,
        usage: [...this.usage].map(([npc, u]) => ({ npc, ...u })),
        addressee: addressee?.persona.id ?? null,
        micLevel: plugin.micLevel(),
      });
    }
  }

  /** Types `text` to an NPC (the text box and the automation hook): a final player subtitle, then `say`. */
  sayTo(binding: NpcBinding, text: string): void {
    this.answering.delete(binding.id);
    this.heardSinceAnswer.add(binding.id);
    this.missed = null;
    this.subtitles.set('player', text, true);
    this.turnEnd.set(binding.id, performance.now());
    binding.say(text);
  }

  /**
   * Shows a villager the scene (the L key shows the one the player talks to; the automation hook names one): the
   * plugin's `binding.show()` sends a picture of the game canvas, and the villager answers it.
   */
  showTo(binding: NpcBinding): Promise<void> {
    this.answering.delete(binding.id);
    this.heardSinceAnswer.add(binding.id);
    this.missed = null;
    this.subtitles.set('player', '(shows the scene)', true);
    this.turnEnd.set(binding.id, performance.now());
    return binding.show().catch((err: unknown) => {
      this.deps.hud.showNotice(`Could not show the scene: ${err instanceof Error ? err.message : String(err)}`);
      throw err;
    });
  }

  private onLookKey(): void {
    const addressee = this.npcVoice.addressee;
    if (!addressee) {
      this.deps.hud.showNotice('Walk up to a villager to show them the scene (L)');
      return;
    }
    // The notice already told the player; nothing else to do with the error here.
    this.showTo(addressee).catch(() => undefined);
  }

  /** Restarts the scene (automation): resolves once the new run's `create()` has finished. */
  restart(): Promise<void> {
    return new Promise((resolve) => {
      this.events.once(Phaser.Scenes.Events.CREATE, () => resolve());
      this.scene.restart();
    });
  }

  /**
   * The NPC the text box talks to: the one the microphone is addressed to (the nearest within its hearing radius),
   * so typing and speaking reach the same villager — or nobody.
   */
  textTarget(): NpcBinding | null {
    return this.npcVoice.addressee;
  }

  /** The live binding of a persona in this run (never a destroyed one from before a restart). */
  bindingOf(personaId: string): NpcBinding | null {
    const binding = this.actors.find((a) => a.personaId === personaId)?.binding ?? null;
    return binding && !binding.destroyed ? binding : null;
  }

  /** Moves the player at once (automation; no collision check). */
  setPlayer(x: number, y: number): void {
    this.player.setPosition(x, y);
    this.player.setDepth(y);
    this.deps.state.player.x = x;
    this.deps.state.player.y = y;
  }

  npcList(): DemoNpc[] {
    const mic = this.micIndicator();
    return this.actors.map((a) => ({
      id: a.personaId,
      x: a.x,
      y: a.y,
      state: a.binding?.state ?? 'idle',
      badge: this.badgeOf(a.binding, mic),
      underruns: a.binding?.voice?.underruns ?? 0,
    }));
  }

  /**
   * Whether the microphone reaches a villager now: `live` when it is open and goes to the addressed villager (a
   * hands-free one always, a push-to-talk one while SPACE is held), `waiting` while the browser asks for
   * permission, `off` otherwise (and always when typing only).
   */
  micIndicator(): MicIndicator {
    const plugin = this.npcVoice;
    if (plugin.textOnly) return 'off';
    const status = this.deps.micStatus();
    if (status === 'waiting') return 'waiting';
    const to = plugin.addressee;
    if (status !== 'open' || !to) return 'off';
    return !isPushToTalk(to) || plugin.talking ? 'live' : 'off';
  }

  /** What this run holds (the automation hook's leak check across restarts). */
  stats(): DemoSceneStats {
    const count = (e: Phaser.Events.EventEmitter) => e.eventNames().reduce((n, name) => n + e.listenerCount(name), 0);
    const plugin = this.npcVoice;
    return {
      actors: this.actors.length,
      bindings: plugin.npcs.length,
      gameObjects: this.children.length,
      sceneListeners: count(this.events),
      keyboardListeners: this.input.keyboard ? count(this.input.keyboard) : 0,
      pluginListeners: Object.values(NpcVoiceEvents).reduce((n, e) => n + plugin.core.events.listenerCount(e), 0),
      gateListeners: this.deps.state.gateListenerCount,
    };
  }

  /** Every text drawn over the world with its rectangle (world px = canvas px: the camera does not scroll). */
  labels(): DemoLabel[] {
    const out: DemoLabel[] = [];
    if (this.playerSubtitle.visible) out.push({ owner: 'player', kind: 'bubble', text: this.playerSubtitle.text, ...textRect(null, this.playerSubtitle) });
    for (const a of this.actors) for (const l of a.labels()) out.push({ owner: a.personaId, kind: l.kind, text: l.text, ...l.rect });
    return out;
  }

  /** What the player's bubble shows: what the villager heard, or that they did not catch it. */
  playerBubble(): { text: string; missed: boolean } | null {
    if (!this.playerSubtitle.visible) return null;
    return { text: this.playerSubtitle.text, missed: this.missed !== null };
  }

  /** What an NPC's badge says (see {@link NpcBadge}). */
  private badgeOf(b: NpcBinding | null, mic: MicIndicator): NpcBadge {
    if (!b) return 'idle';
    const state = b.state;
    if (this.deps.offline() && state !== 'speaking') return 'offline';
    if (state !== 'listening') return state;
    return mic === 'live' && b === this.npcVoice.addressee ? 'listening' : 'ready';
  }

  /** The first words of an answer: if nothing was heard since the last one, the player is told it was missed. */
  private answerStarts(npc: NpcBinding): void {
    if (this.answering.has(npc.id)) return;
    this.answering.add(npc.id);
    if (!this.heardSinceAnswer.delete(npc.id)) this.missed = { npc: npc.persona.displayName, at: performance.now() };
  }

  /** The visible world (px), minus a small margin. */
  private view(): Rect {
    const v = this.cameras.main.worldView;
    return { x: v.x + EDGE_PX, y: v.y + EDGE_PX, w: v.width - 2 * EDGE_PX, h: v.height - 2 * EDGE_PX };
  }

  /**
   * The player's bubble: what was heard (or "didn't catch that"), above the head, else below the feet or beside
   * the player — the first place no villager's name, badge, subtitle or hint overlaps, inside the view.
   */
  private layoutBubble(view: Rect): void {
    const t = this.playerSubtitle;
    const mine = this.subtitles.current('player');
    const missed = this.missed && performance.now() - this.missed.at < SUBTITLE_HOLD_MS && (!mine || mine.updatedAt < this.missed.at) ? this.missed : null;
    if (!missed && !mine) {
      t.setVisible(false);
      return;
    }
    const text = missed ? `${shortName(missed.npc)} didn't catch that. Try again?` : mine?.final ? mine.text : `${mine?.text ?? ''}…`;
    if (t.text !== text) t.setText(text);
    // Each style change redraws the text's canvas: only when it flips.
    if (t.getData('missed') !== (missed !== null)) {
      t.setData('missed', missed !== null);
      t.setColor(missed ? '#5a2a00' : '#0f2a4a').setBackgroundColor(missed ? '#ffe2c4' : '#dff0ff');
    }
    t.setVisible(true);
    const obstacles = this.actors.flatMap((a) => a.labels().map((l) => l.rect));
    const { x, y } = this.player;
    const candidates: { x: number; y: number; ox: number; oy: number }[] = [
      { x, y: y + BUBBLE_ABOVE_Y, ox: 0.5, oy: 1 },
      { x, y: y + 6, ox: 0.5, oy: 0 },
      { x: x + 22, y: y - 24, ox: 0, oy: 0.5 },
      { x: x - 22, y: y - 24, ox: 1, oy: 0.5 },
      { x, y: y + BUBBLE_ABOVE_Y - 48, ox: 0.5, oy: 1 },
      { x, y: y + 54, ox: 0.5, oy: 0 },
    ];
    let first: Rect | null = null;
    for (const c of candidates) {
      t.setOrigin(c.ox, c.oy).setPosition(c.x, c.y);
      const { dx, dy } = clampShift(textRect(null, t), view);
      t.setPosition(c.x + dx, c.y + dy);
      const r = textRect(null, t);
      first ??= r;
      if (!obstacles.some((o) => intersects(o, r))) return;
    }
    // Crowded everywhere: above the head after all (the bubble is drawn on top, so nothing covers it).
    const c = candidates[0];
    if (c && first) t.setOrigin(c.ox, c.oy).setPosition(first.x + first.w * c.ox, first.y + first.h * c.oy);
  }

  rendererName(): 'canvas' | 'webgl' {
    return this.game.renderer.type === Phaser.WEBGL ? 'webgl' : 'canvas';
  }

  /** Keyboard on/off (off while the player types in the text box). */
  setKeyboardEnabled(enabled: boolean): void {
    const kb = this.input.keyboard;
    if (!kb) return;
    kb.enabled = enabled;
    // Arrow keys are captured (preventDefault) for walking; give them back to the text box while typing.
    if (enabled) kb.enableGlobalCapture();
    else {
      kb.disableGlobalCapture();
      kb.resetKeys();
    }
  }

  private move(dtS: number): void {
    const k = this.keys;
    const dx = (k.left.isDown || k.a.isDown ? -1 : 0) + (k.right.isDown || k.d.isDown ? 1 : 0);
    const dy = (k.up.isDown || k.w.isDown ? -1 : 0) + (k.down.isDown || k.s.isDown ? 1 : 0);
    if (dx === 0 && dy === 0) return;
    const len = Math.hypot(dx, dy);
    const step = PLAYER_SPEED_PX_S * Math.min(dtS, 0.05);
    let { x, y } = this.player;
    const nx = x + (dx / len) * step;
    if (!this.blocked(nx, y)) x = nx;
    const ny = y + (dy / len) * step;
    if (!this.blocked(x, ny)) y = ny;
    this.setPlayer(x, y);
  }

  /**
   * Whether the feet box at (x, y) overlaps a solid tile or leaves the map. The open gate is walkable, but the map
   * ends at its far side: the road north is not part of the village, and a player walked off the map would be lost.
   */
  private blocked(x: number, y: number): boolean {
    const left = x - FEET.w / 2;
    const right = x + FEET.w / 2;
    const top = y - FEET.h;
    const bottom = y - 1;
    if (left < 0 || right > this.objects.width) return true;
    if (top < 0 || bottom > this.objects.height) return true;
    for (const [cx, cy] of [
      [left, top],
      [right, top],
      [left, bottom],
      [right, bottom],
    ] as const) {
      const tile = this.objects.getTileAtWorldXY(cx, cy);
      if (tile?.collides) return true;
    }
    return false;
  }

  /**
   * Phaser emits SHUTDOWN when the scene stops or restarts; its game objects are destroyed with it. Every listener
   * this run added comes off here, and the destroyed actors are forgotten (ticking them would draw into a released
   * canvas and freeze the game).
   */
  private shutdown(): void {
    for (const off of this.offs.splice(0)) off();
    this.events.off(Phaser.Scenes.Events.SHUTDOWN, this.shutdown, this);
    this.actors.length = 0;
    this.turnEnd.clear();
  }

  private drawGate(announce: boolean): void {
    for (const [tx, ty] of GATE_TILES) this.objects.putTileAt(TILE.gateOpen + 1, tx, ty);
    if (announce) this.deps.hud.showNotice('The north gate is open');
  }

  private toggleDebug(): void {
    this.deps.hud.toggleDebug();
  }

  private focusText(): void {
    this.deps.hud.focusInput();
  }
}

/** Whether the villager waits for SPACE (push-to-talk) rather than listening hands-free. */
function isPushToTalk(b: NpcBinding): boolean {
  return b.persona.turnTaking.mode === 'push_to_talk';
}
