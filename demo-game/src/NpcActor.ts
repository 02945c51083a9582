import Phaser from 'phaser';
import type { NpcBinding, NpcState } from '../../plugin/index.js';
import { clampShift, type Rect } from './layout.js';

/**
 * What a villager's badge says: the session state, except that a connected NPC only says `listening` while the
 * microphone really goes to them (`ready` otherwise), and `offline` while the server cannot be reached.
 */
export type NpcBadge = NpcState | 'ready' | 'offline';

const BADGE_COLORS: Record<NpcBadge, string> = {
  idle: '#5b6270',
  connecting: '#8a6d1f',
  ready: '#2f5f7a',
  listening: '#1f7a4d',
  thinking: '#6a3fa0',
  speaking: '#b0452a',
  closed: '#3c4048',
  error: '#a01f2c',
  offline: '#3c4048',
};

/** Where the mouth sits on the 32 × 48 character art, relative to the container's origin (the feet). */
const MOUTH_Y = -27;
/** The subtitle's bottom edge above the feet, and its top edge below them when there is no room above. */
const SUBTITLE_ABOVE_Y = -80;
const SUBTITLE_BELOW_Y = 6;

/** One text drawn over the world, with where it is on screen (world px; the camera does not scroll). */
export interface ActorLabel {
  kind: 'name' | 'badge' | 'subtitle' | 'hint';
  text: string;
  rect: Rect;
}

/** A Text child's rectangle in world px (the container is neither scaled nor rotated). */
export function textRect(parent: { x: number; y: number } | null, t: Phaser.GameObjects.Text): Rect {
  const px = parent?.x ?? 0;
  const py = parent?.y ?? 0;
  return { x: px + t.x - t.width * t.originX, y: py + t.y - t.height * t.originY, w: t.width, h: t.height };
}

/**
 * One villager on screen: the character art (origin at the feet), a mouth opened by the voice level, an idle bob,
 * the name, a state badge, the subtitle above the head (below the feet when there is no room above) and, under the
 * feet, a hint of what they can be asked. A Container, so the voice binding follows it and is destroyed with it.
 */
export class NpcActor extends Phaser.GameObjects.Container {
  readonly personaId: string;
  binding: NpcBinding | null = null;
  private readonly figure: Phaser.GameObjects.Image;
  private readonly mouth: Phaser.GameObjects.Graphics;
  private readonly badge: Phaser.GameObjects.Text;
  private readonly subtitle: Phaser.GameObjects.Text;
  private readonly label: Phaser.GameObjects.Text;
  private readonly hint: Phaser.GameObjects.Text;
  private mouthOpen = 0;
  private readonly phase: number;

  constructor(scene: Phaser.Scene, x: number, y: number, personaId: string, displayName: string, hint: string) {
    super(scene, x, y);
    this.personaId = personaId;
    this.phase = personaId.length * 1.7;
    this.figure = scene.add.image(0, 0, personaId).setOrigin(0.5, 1);
    this.mouth = scene.add.graphics();
    this.label = scene.add
      .text(0, -50, displayName, { fontFamily: 'sans-serif', fontSize: '11px', color: '#ffffff', stroke: '#000000', strokeThickness: 3 })
      .setOrigin(0.5, 1);
    this.badge = scene.add
      .text(0, -64, 'idle', { fontFamily: 'sans-serif', fontSize: '10px', color: '#ffffff', backgroundColor: BADGE_COLORS.idle, padding: { x: 4, y: 1 } })
      .setOrigin(0.5, 1);
    this.subtitle = scene.add
      .text(0, SUBTITLE_ABOVE_Y, '', {
        fontFamily: 'sans-serif',
        fontSize: '13px',
        color: '#1b1b1b',
        backgroundColor: '#fffbe9',
        padding: { x: 6, y: 4 },
        wordWrap: { width: 220 },
        align: 'center',
      })
      .setOrigin(0.5, 1)
      .setVisible(false);
    this.hint = scene.add
      .text(0, 4, hint, { fontFamily: 'sans-serif', fontSize: '11px', color: '#fff6c8', backgroundColor: '#000000aa', padding: { x: 5, y: 2 } })
      .setOrigin(0.5, 0)
      .setVisible(false);
    this.add([this.figure, this.mouth, this.label, this.badge, this.subtitle, this.hint]);
    this.setDepth(y);
    scene.add.existing(this);
  }

  /** Per frame: mouth from the speech level, idle bob, badge, subtitle, hint. */
  tick(timeMs: number, subtitle: string | null, badge: NpcBadge, showHint: boolean): void {
    const level = this.binding?.level() ?? 0;
    this.mouthOpen += (level - this.mouthOpen) * (level > this.mouthOpen ? 0.6 : 0.25);
    const bob = Math.sin(timeMs / 600 + this.phase) * 1.2 + (badge === 'speaking' ? -this.mouthOpen * 2 : 0);
    this.figure.y = bob;
    this.mouth.clear();
    const h = 1.2 + this.mouthOpen * 5;
    this.mouth.fillStyle(0x5a1f1f, 1);
    this.mouth.fillEllipse(0, MOUTH_Y + bob + h / 2 - 0.5, 5 + this.mouthOpen * 2, h);
    if (this.badge.text !== badge) {
      this.badge.setText(badge);
      this.badge.setBackgroundColor(BADGE_COLORS[badge]);
    }
    if (subtitle) {
      if (this.subtitle.text !== subtitle) this.subtitle.setText(subtitle);
      this.subtitle.setVisible(true);
    } else this.subtitle.setVisible(false);
    // The hint gives way to the conversation.
    this.hint.setVisible(showHint && !subtitle);
  }

  /**
   * Keeps the subtitle and the hint inside `view` (world px): above the head when it fits, else below the feet;
   * shifted sideways at the map's edges. Call after `tick`.
   */
  layout(view: Rect): void {
    if (this.subtitle.visible) {
      this.subtitle.setPosition(0, SUBTITLE_ABOVE_Y).setOrigin(0.5, 1);
      if (textRect(this, this.subtitle).y < view.y) this.subtitle.setPosition(0, SUBTITLE_BELOW_Y).setOrigin(0.5, 0);
      const { dx, dy } = clampShift(textRect(this, this.subtitle), view);
      this.subtitle.setPosition(dx, this.subtitle.y + dy);
    }
    if (this.hint.visible) {
      this.hint.setPosition(0, 4);
      const { dx, dy } = clampShift(textRect(this, this.hint), view);
      this.hint.setPosition(dx, 4 + dy);
    }
  }

  /** The texts on screen now, with their rectangles. */
  labels(): ActorLabel[] {
    const out: ActorLabel[] = [];
    const parts: [ActorLabel['kind'], Phaser.GameObjects.Text][] = [
      ['name', this.label],
      ['badge', this.badge],
      ['subtitle', this.subtitle],
      ['hint', this.hint],
    ];
    for (const [kind, t] of parts) if (t.visible) out.push({ kind, text: t.text, rect: textRect(this, t) });
    return out;
  }

  /** Speech level currently shown by the mouth, 0..1. */
  get mouthLevel(): number {
    return this.mouthOpen;
  }
}
