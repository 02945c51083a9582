import Phaser from 'phaser';
import type { NpcBinding, NpcState } from '../../plugin/index.js';

const BADGE_COLORS: Record<NpcState, string> = {
  idle: '#5b6270',
  connecting: '#8a6d1f',
  listening: '#1f7a4d',
  thinking: '#6a3fa0',
  speaking: '#b0452a',
  closed: '#3c4048',
  error: '#a01f2c',
};

/** Where the mouth sits on the 32 × 48 character art, relative to the container's origin (the feet). */
const MOUTH_Y = -27;

/**
 * One villager on screen: the character art (origin at the feet), a mouth opened by the voice level, an idle bob,
 * the name, a state badge and the subtitle above the head. A Container, so the voice binding follows it and is
 * destroyed with it.
 */
export class NpcActor extends Phaser.GameObjects.Container {
  readonly personaId: string;
  binding: NpcBinding | null = null;
  private readonly figure: Phaser.GameObjects.Image;
  private readonly mouth: Phaser.GameObjects.Graphics;
  private readonly badge: Phaser.GameObjects.Text;
  private readonly subtitle: Phaser.GameObjects.Text;
  private readonly label: Phaser.GameObjects.Text;
  private mouthOpen = 0;
  private readonly phase: number;

  constructor(scene: Phaser.Scene, x: number, y: number, personaId: string, displayName: string) {
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
      .text(0, -80, '', {
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
    this.add([this.figure, this.mouth, this.label, this.badge, this.subtitle]);
    this.setDepth(y);
    scene.add.existing(this);
  }

  /** Per frame: mouth from the speech level, idle bob, badge, subtitle. */
  tick(timeMs: number, subtitle: string | null): void {
    const state = this.binding?.state ?? 'idle';
    const level = this.binding?.level() ?? 0;
    this.mouthOpen += (level - this.mouthOpen) * (level > this.mouthOpen ? 0.6 : 0.25);
    const bob = Math.sin(timeMs / 600 + this.phase) * 1.2 + (state === 'speaking' ? -this.mouthOpen * 2 : 0);
    this.figure.y = bob;
    this.mouth.clear();
    const h = 1.2 + this.mouthOpen * 5;
    this.mouth.fillStyle(0x5a1f1f, 1);
    this.mouth.fillEllipse(0, MOUTH_Y + bob + h / 2 - 0.5, 5 + this.mouthOpen * 2, h);
    if (this.badge.text !== state) {
      this.badge.setText(state);
      this.badge.setBackgroundColor(BADGE_COLORS[state]);
    }
    if (subtitle) {
      if (this.subtitle.text !== subtitle) this.subtitle.setText(subtitle);
      this.subtitle.setVisible(true);
    } else this.subtitle.setVisible(false);
  }

  /** Speech level currently shown by the mouth, 0..1. */
  get mouthLevel(): number {
    return this.mouthOpen;
  }
}
