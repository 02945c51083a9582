import { z } from 'zod';

/**
 * The persona format designers write in `assets/personas/<id>.json`. One strict zod schema, imported by the plugin
 * (bindings, hot reload) and by the server (key minting, the emulator's persona brain). The JSON Schema in
 * `assets/persona.schema.json` is generated from it (`npm run schema`) so editors can autocomplete.
 */

/** OpenAI Realtime voices (realtime-protocol.md §3.3). */
export const API_VOICES = [
  'alloy',
  'ash',
  'ballad',
  'coral',
  'echo',
  'sage',
  'shimmer',
  'verse',
  'marin',
  'cedar',
] as const;

/** Built-in voices of the flite engine the emulator speaks with. */
export const LOCAL_VOICES = ['slt', 'rms', 'awb', 'kal16', 'kal'] as const;

const nonEmpty = z.string().trim().min(1);
const phrase = z
  .string()
  .trim()
  .min(1)
  .regex(/^[A-Za-z' ]+$/, 'letters, spaces and apostrophes only (the offline recognizer matches words)');

/** How the emulator speaks for this NPC (local TTS; the real API uses `voice`). */
export const LocalVoiceSchema = z
  .strictObject({
    engine: z.enum(['flite']).describe('Local TTS engine. flite (BSD) compiled to WASM.'),
    voice: z.enum(LOCAL_VOICES).describe('flite voice: slt (female), rms, awb (Scottish), kal16, kal (male).'),
    pitchHz: z.number().min(50).max(400).optional().describe('Target mean pitch (F0) in Hz.'),
    rate: z.number().min(0.5).max(2).default(1).describe('Speaking-rate factor: 1 is normal, 1.2 is 20 % faster.'),
  })
  .describe('Voice used by the local emulator.');

/** A topic the NPC knows about: when the player's words hit a keyword, the NPC says `answer`. */
export const KnowledgeTopicSchema = z.strictObject({
  topic: nonEmpty.describe('Name of the topic, for designers and logs.'),
  keywords: z.array(phrase).min(1).describe('Words or phrases that select this topic.'),
  answer: nonEmpty.describe('What the NPC says about it (offline and as knowledge for the model).'),
});

/** A tool call an offline intent makes, with fixed arguments. */
export const IntentToolSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a tool name: letters, digits, _ and -')
    .describe('Name of a game tool; it must be listed in `tools`.'),
  arguments: z.record(z.string(), z.unknown()).default({}).describe('Fixed JSON arguments for the call.'),
});

/** What the NPC does offline when the player says one of `phrases`. */
export const IntentSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z][a-z0-9_]*$/, 'snake_case id').describe('Intent id, unique in the persona.'),
    phrases: z.array(phrase).min(1).describe('What the player may say (exact phrases the recognizer listens for).'),
    say: nonEmpty.optional().describe('Line the NPC says (before the tool runs, if there is one).'),
    tool: IntentToolSchema.optional().describe('Game tool to call.'),
    resultTemplate: nonEmpty
      .optional()
      .describe('Line spoken with the tool result; {result} and {result.field} are replaced.'),
  })
  .refine((intent) => intent.say !== undefined || intent.tool !== undefined, {
    message: 'an intent needs `say`, `tool` or both',
    path: ['say'],
  })
  .refine((intent) => intent.resultTemplate === undefined || intent.tool !== undefined, {
    message: '`resultTemplate` needs a `tool`',
    path: ['resultTemplate'],
  });

/** Spatial voice options, in pixels, named as in Phaser's SpatialSoundConfig / the Web Audio PannerNode. */
export const SpatialSchema = z.strictObject({
  refDistance: z.number().positive().default(100).describe('Distance (px) at which the voice is at full volume.'),
  maxDistance: z.number().positive().default(600).describe('Distance (px) beyond which the voice gets no quieter.'),
  rolloffFactor: z.number().min(0).default(1).describe('How fast the voice fades with distance.'),
  distanceModel: z.enum(['linear', 'inverse', 'exponential']).default('inverse'),
  panningModel: z.enum(['HRTF', 'equalpower']).default('HRTF'),
});

/** How the player and NPC take turns. */
export const TurnTakingSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('push_to_talk') }),
  z.strictObject({
    mode: z.literal('server_vad'),
    threshold: z.number().min(0).max(1).default(0.5),
    silenceMs: z.number().int().min(100).max(3000).default(500),
    prefixPaddingMs: z.number().int().min(0).max(2000).default(300),
  }),
  z.strictObject({
    mode: z.literal('semantic_vad'),
    eagerness: z.enum(['low', 'medium', 'high', 'auto']).default('auto'),
  }),
]);

/** Topics the NPC refuses to talk about, and what it says instead. */
export const GuardrailsSchema = z.strictObject({
  refuseTopics: z.array(phrase).default([]).describe('Words or topics the NPC will not discuss.'),
  refusal: nonEmpty.default("I won't speak of that.").describe('What the NPC says when asked about them.'),
});

/** The persona file. */
export const PersonaSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path to persona.schema.json, for editor autocompletion.'),
    id: z
      .string()
      .regex(/^[a-z][a-z0-9_-]*$/, 'lowercase letters, digits, _ and -, starting with a letter')
      .describe('Unique id; also the file name.'),
    displayName: nonEmpty.describe('Name shown to the player.'),
    voice: z.enum(API_VOICES).describe('OpenAI Realtime voice.'),
    localVoice: LocalVoiceSchema,
    instructions: nonEmpty.describe('Character prompt for the model.'),
    greeting: nonEmpty.describe('What the NPC says when greeted.'),
    farewell: nonEmpty.describe('What the NPC says when the player leaves or says goodbye.'),
    fallback: nonEmpty
      .default("Sorry, I didn't catch that.")
      .describe('What the offline brain says when nothing matches.'),
    knowledge: z.array(KnowledgeTopicSchema).default([]),
    intents: z.array(IntentSchema).default([]),
    tools: z.array(z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/)).default([]).describe('Game tools this NPC may use.'),
    hearingRadiusPx: z.number().positive().describe('How close (px) the player must be for the NPC to hear them.'),
    spatial: SpatialSchema.prefault({}).describe('How the voice carries (px).'),
    turnTaking: TurnTakingSchema,
    guardrails: GuardrailsSchema.prefault({}),
    memory: z.boolean().default(true).describe('Keep the conversation between sessions.'),
  })
  .superRefine((persona, ctx) => {
    const seen = new Set<string>();
    persona.intents.forEach((intent, i) => {
      if (seen.has(intent.id)) {
        ctx.addIssue({ code: 'custom', path: ['intents', i, 'id'], message: `duplicate intent id "${intent.id}"` });
      }
      seen.add(intent.id);
      if (intent.tool && !persona.tools.includes(intent.tool.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['intents', i, 'tool', 'name'],
          message: `tool "${intent.tool.name}" is not in this persona's \`tools\` (${persona.tools.join(', ') || 'none'})`,
        });
      }
    });
  });

/** A validated persona, defaults filled. */
export type Persona = z.output<typeof PersonaSchema>;
/** A persona as a designer writes it (defaults optional). */
export type PersonaInput = z.input<typeof PersonaSchema>;
export type LocalVoice = z.output<typeof LocalVoiceSchema>;
export type Intent = z.output<typeof IntentSchema>;
export type KnowledgeTopic = z.output<typeof KnowledgeTopicSchema>;
export type TurnTaking = z.output<typeof TurnTakingSchema>;
export type Spatial = z.output<typeof SpatialSchema>;
