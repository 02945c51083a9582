import Phaser from 'phaser';
import type { NpcBinding } from '../../plugin/index.js';
import type { Ambience } from './ambience.js';
import type { DemoNpc } from './automation.js';
import type { Hud } from './hud.js';
import { NpcActor } from './NpcActor.js';
import { SubtitleLog } from './subtitles.js';
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
  /** Called once the village is built. */
  onReady(scene: VillageScene): void;
}

const PLAYER_SPEED_PX_S = 150;
/** The player's collision box around the feet. */
const FEET = { w: 18, h: 10 };
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
      const displayName = plugin.core.getPersona(id)?.displayName ?? id;
      const actor = new NpcActor(this, at.x, at.y, id, displayName);
      this.actors.push(actor);
      try {
        actor.binding = plugin.bind(actor, id);
      } catch (err) {
        hud.setPersonaError(err instanceof Error ? err.message : String(err));
      }
    }

    const start = spawn('player');
    const body = this.add.image(0, 0, 'player').setOrigin(0.5, 1);
    this.playerSubtitle = this.add
      .text(0, -54, '', { fontFamily: 'sans-serif', fontSize: '13px', color: '#0f2a4a', backgroundColor: '#dff0ff', padding: { x: 6, y: 4 }, wordWrap: { width: 240 }, align: 'center' })
      .setOrigin(0.5, 1)
      .setVisible(false);
    this.player = this.add.container(start.x, start.y, [body, this.playerSubtitle]);
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
    this.offs.push(() => {
      kb.off('keydown-F2', this.toggleDebug, this);
      kb.off('keydown-BACKTICK', this.toggleDebug, this);
      kb.off('keydown-ENTER', this.focusText, this);
    });

    // The gate stays open across restarts (the state outlives the scene); a new run redraws it.
    if (state.gateOpen) this.drawGate(false);
    this.offs.push(state.onGateOpen(() => this.drawGate(true)));
    const unwire = wireVoice(plugin, {
      playerWords: (npc, text, final) => {
        this.subtitles.set('player', text, final);
        // Hands-free NPCs: the final transcript marks the end of the player's turn.
        if (final && npc.persona.turnTaking.mode !== 'push_to_talk' && !this.turnEnd.has(npc.id)) this.turnEnd.set(npc.id, performance.now());
      },
      npcDelta: (npc, delta) => this.subtitles.append(npc.persona.id, delta),
      npcLine: (npc, text) => this.subtitles.set(npc.persona.id, text, true),
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
      toolCall: (npc, name) => hud.showNotice(`${npc.persona.displayName} used ${name.replace(/_/g, ' ')}`),
      micUnavailable: (reason) =>
        hud.setTextOnly(reason === 'denied' ? 'Microphone permission was denied.' : reason === 'absent' ? 'No microphone found.' : 'The microphone is not available here.'),
      error: (message, npc) => {
        const line = `${npc ? `${npc.persona.displayName}: ` : ''}${message}`;
        hud.showNotice(line, 6000);
        // Also in the console, where developers (and the browser tests) look for failures.
        console.warn(`[npc-voice] ${line}`);
      },
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
    for (const actor of this.actors) {
      actor.tick(time, this.subtitles.current(actor.personaId)?.text ?? null);
    }
    const mine = this.subtitles.current('player');
    if (mine) {
      this.playerSubtitle.setText(mine.final ? mine.text : `${mine.text}…`).setVisible(true);
    } else this.playerSubtitle.setVisible(false);

    const addressee = plugin.addressee;
    const down = plugin.core.talking;
    if (this.pttWasDown && !down && addressee) this.turnEnd.set(addressee.id, performance.now());
    this.pttWasDown = down;
    this.deps.hud.setPtt(addressee?.persona.displayName ?? null, down, plugin.micLevel());
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
    this.subtitles.set('player', text, true);
    this.turnEnd.set(binding.id, performance.now());
    binding.say(text);
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
    return this.actors.map((a) => ({ id: a.personaId, x: a.x, y: a.y, state: a.binding?.state ?? 'idle' }));
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
