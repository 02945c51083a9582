import type { PersonaInput } from '../../plugin/shared/personaSchema.js';

/** The id `phaser-npc-voice init` gives its starter persona unless told otherwise. */
export const STARTER_PERSONA_ID = 'innkeeper';

/**
 * The persona `init` writes: Greta, an innkeeper (not one of the demo's villagers), with a greeting, knowledge and an
 * offline intent that needs no game tool, so it talks in the emulator before the developer writes any code.
 */
export function starterPersona(id: string, schemaRef: string): PersonaInput {
  return {
    $schema: schemaRef,
    id,
    displayName: 'Greta the Innkeeper',
    voice: 'coral',
    localVoice: { engine: 'flite', voice: 'awb', pitchHz: 180, rate: 1 },
    instructions:
      'You are Greta, who keeps the Sleeping Fox inn at the crossroads: warm, chatty, a little nosy. You know every ' +
      'traveler who passes and every rumour on the road. Keep answers to one or two sentences.',
    greeting: 'Welcome to the Sleeping Fox! Come in out of the cold.',
    farewell: 'Safe roads, traveler. The fire will be lit when you come back.',
    fallback: 'Eh? Speak up, dear, the common room is noisy tonight.',
    knowledge: [
      { topic: 'rooms', keywords: ['room', 'bed', 'sleep'], answer: 'A bed is two silver a night, breakfast included.' },
      { topic: 'rumours', keywords: ['rumour', 'news', 'gossip'], answer: 'They say the old mill is haunted. I say it is owls.' },
    ],
    intents: [{ id: 'who', phrases: ['who are you', 'what is your name'], say: 'Greta. I keep this inn, and I keep it well.' }],
    tools: [],
    hearingRadiusPx: 120,
    turnTaking: { mode: 'push_to_talk' },
  };
}

/**
 * The five lines that put a persona in a game: import the plugin and the file, install the plugin (minting keys
 * from `phaser-npc-voice dev` on its default port), bind a sprite, say something.
 */
export function bindSnippet(id: string, importPath: string): string {
  const name = id.replace(/[-_]+([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
  const personas = name === id ? `{ ${id} }` : `{ '${id}': ${name} }`;
  return [
    `import { createNpcVoicePlugin, webAudioBackend } from 'phaser-npc-voice';`,
    `import ${name} from '${importPath}'; // path from your game's source file`,
    `const npcVoicePlugin = createNpcVoicePlugin({ personas: ${personas}, audio: webAudioBackend, mintEndpoint: 'http://127.0.0.1:8787/api/npc-voice/session' }); // new Phaser.Game({ plugins: { scene: [npcVoicePlugin] }, … }); with npcVoice() from phaser-npc-voice/vite in vite.config, drop mintEndpoint`,
    `const npc = this.npcVoice.bind(this.add.sprite(400, 300, '${id}'), '${id}'); // in a scene's create()`,
    `npc.say('hello'); // typed; hold SPACE near the sprite to talk`,
  ].join('\n');
}
