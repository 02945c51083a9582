import { Howl, Howler } from 'howler';

/** Music and forge volumes at rest. */
const MUSIC_VOLUME = 0.3;
const FORGE_VOLUME = 0.9;
/** How the plugin ducks them while an NPC speaks (its `duck` option). */
export const DUCK = { level: 0.25, fadeMs: 250 };

/**
 * The village's ambient sound through Howler: a music loop and the forge loop placed at the forge (Howler's spatial
 * panner, same axes as the NPC voices: world x → audio x, world y → audio z). The voice plugin ducks both while an NPC
 * speaks (its `duck` option, given {@link Ambience.howls}). Howler's
 * AudioContext and master gain are shared with the voice plugin, so the game's master volume applies to voices too.
 */
export class Ambience {
  private readonly music: Howl;
  private readonly forge: Howl;
  private playing = false;

  /** Creates the sounds (and with them Howler's AudioContext); nothing plays until `start()`. */
  constructor(forgeX: number, forgeY: number) {
    this.music = new Howl({ src: ['/audio/village-theme.wav'], loop: true, volume: MUSIC_VOLUME, preload: true });
    this.forge = new Howl({ src: ['/audio/forge.wav'], loop: true, volume: FORGE_VOLUME, preload: true });
    this.forge.pos(forgeX, 0, forgeY);
    this.forge.pannerAttr({ panningModel: 'HRTF', distanceModel: 'inverse', refDistance: 60, maxDistance: 700, rolloffFactor: 1.3 });
  }

  /** Howler's AudioContext (created by the constructor). */
  static context(): AudioContext {
    if (!Howler.ctx) Howler.volume(Howler.volume());
    return Howler.ctx;
  }

  /** Howler's master gain: where the NPC voices go too. */
  static destination(): GainNode {
    Ambience.context();
    return Howler.masterGain;
  }

  /** Starts both loops (Howler unlocks the context on the first gesture if the browser needs one). */
  start(): void {
    if (this.playing) return;
    this.playing = true;
    this.music.play();
    const id = this.forge.play();
    // pannerAttr/pos on the Howl apply to new sounds; set them on the playing one as well.
    this.forge.pos(this.forge.pos()[0], 0, this.forge.pos()[2], id);
  }

  /** Moves the listener with the player. */
  setListener(x: number, y: number): void {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return;
    Howler.pos(x, 0, y);
  }

  /** The loops, for the voice mixer's ducking (`mixer.duckHowls`). */
  howls(): Howl[] {
    return [this.music, this.forge];
  }

  /** Whether the ambience is ducked now, read from the loops' real volumes (halfway down the fade counts). */
  get isDucked(): boolean {
    const halfway = (1 + DUCK.level) / 2;
    return this.music.volume() < MUSIC_VOLUME * halfway && this.forge.volume() < FORGE_VOLUME * halfway;
  }

  /** Whether the loops were started. */
  get isPlaying(): boolean {
    return this.playing;
  }

  destroy(): void {
    this.music.unload();
    this.forge.unload();
  }
}
