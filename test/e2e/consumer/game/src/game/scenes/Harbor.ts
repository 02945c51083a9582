import { Scene } from 'phaser';
// #region readme:bind
import { NpcVoiceEvents, type NpcBinding, type NpcVoicePlugin } from 'phaser-npc-voice';

export class Harbor extends Scene {
  declare npcVoice: NpcVoicePlugin; // the plugin's scene mapping
  ferryman?: NpcBinding;

  constructor() {
    super('Harbor');
  }

  create() {
    const odo = this.add.rectangle(512, 384, 48, 64, 0x8b5a2b);
    // Hold SPACE near Odo to talk, or type: this.ferryman.say('i need a ticket')
    this.ferryman = this.npcVoice.bind(odo, 'ferryman');
    const subtitle = this.add.text(512, 320, '', { fontSize: '20px', color: '#ffffff' }).setOrigin(0.5);
    this.npcVoice.on(NpcVoiceEvents.NPC_TRANSCRIPT, (_npc, text) => subtitle.setText(text));
  }
}
// #endregion readme:bind
