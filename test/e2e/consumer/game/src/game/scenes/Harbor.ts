import { Scene } from 'phaser';
// #region readme:bind
import { NpcVoiceEvents, type NpcVoicePlugin } from 'phaser-npc-voice';

export class Harbor extends Scene {
  declare npcVoice: NpcVoicePlugin; // the plugin's scene mapping

  constructor() {
    super('Harbor');
  }

  create() {
    const odo = this.add.rectangle(512, 384, 48, 64, 0x8b5a2b);
    const ferryman = this.npcVoice.bind(odo, 'ferryman');
    const subtitle = this.add.text(512, 320, '', { fontSize: '20px', color: '#ffffff' }).setOrigin(0.5);
    this.npcVoice.on(NpcVoiceEvents.NPC_TRANSCRIPT, (_npc, text) => subtitle.setText(text));
    // Hold SPACE to talk to Odo, or type: ferryman.say('i need a ticket')
    // #endregion readme:bind
    exposeForTests(this, ferryman);
  }
}

/** What the consumer test reads (not part of the README's snippets). */
function exposeForTests(scene: Harbor, npc: ReturnType<NpcVoicePlugin['bind']>): void {
  const seen = { events: [] as string[], maxLevel: 0, states: [] as string[] };
  const record = (line: string) => seen.events.push(line);
  scene.npcVoice.on(NpcVoiceEvents.NPC_TRANSCRIPT, (_n, text) => record(`npc: ${text}`));
  scene.npcVoice.on(NpcVoiceEvents.PLAYER_TRANSCRIPT, (_n, text, final) => final && record(`player: ${text}`));
  scene.npcVoice.on(NpcVoiceEvents.TOOL_CALL_END, (_n, name, output) => record(`tool ${name}: ${output}`));
  scene.npcVoice.on(NpcVoiceEvents.SPEAKING_START, () => record('speaking-start'));
  scene.npcVoice.on(NpcVoiceEvents.PERSONA_UPDATED, (persona) => record(`persona-updated: ${persona.id} ${persona.greeting ?? ''}`));
  scene.npcVoice.on(NpcVoiceEvents.ERROR, (error) => record(`error: ${error.code} ${error.message}`));
  scene.npcVoice.on(NpcVoiceEvents.SESSION_STATE, (_n, state) => seen.states.push(state));
  scene.events.on('update', () => {
    seen.maxLevel = Math.max(seen.maxLevel, npc.level());
  });
  (window as unknown as { ferry: unknown }).ferry = {
    seen,
    state: () => npc.state,
    say: (text: string) => npc.say(text),
  };
}
