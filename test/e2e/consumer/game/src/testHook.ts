// What the consumer test reads (window.ferry); not part of the README's snippets.
import type { Game } from 'phaser';
import { NpcVoiceEvents } from 'phaser-npc-voice';
import type { Harbor } from './game/scenes/Harbor';

export function exposeForTests(game: Game): void {
  const attach = (): void => {
    const scene = game.scene.getScene('Harbor') as Harbor | null;
    const npc = scene?.ferryman;
    if (!scene || !npc) {
      requestAnimationFrame(attach);
      return;
    }
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
      // The voices play in Phaser's own context (its master volume and mute apply), not one of the plugin's.
      voicesInPhaserContext: () => scene.npcVoice.audioContext !== null && scene.npcVoice.audioContext === (scene.sound as { context?: unknown }).context,
    };
  };
  attach();
}
