import * as z from 'zod/mini';
import { SERVER_VAD_DEFAULTS } from './serverVadDefaults.js';
import { SPATIAL_DEFAULTS } from './spatialDefaults.js';

/**
 * The persona format designers write in `assets/personas/<id>.json`. One strict zod schema, imported by the plugin
 * (bindings, hot reload) and by the server (key minting, the emulator's persona brain). The JSON Schema in
 * `assets/persona.schema.json` is generated from it (`npm run schema`) so editors can autocomplete.
 *
 * Written with `zod/mini` (functional API) so it stays small in a game's first-load bundle: classic `zod` costs
 * ~90 KB gzipped, this schema with `zod/mini` a few KB. Descriptions are attached with `z.describe(...)` checks,
 * which register them in `z.globalRegistry`, so the generated JSON Schema keeps them. Human-readable messages
 * need the English locale of `./zodLocale.ts`, passed to each parse (`{ error: zodEnglish }`).
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

/** Attaches a description (kept in the generated JSON Schema). Returns a copy; `schema` is not changed. */
const described = <T extends z.ZodMiniType>(schema: T, description: string): T => schema.check(z.describe(description));

const nonEmpty = z.string().check(z.trim(), z.minLength(1));
const phrase = z
  .string()
  .check(
    z.trim(),
    z.minLength(1),
    z.regex(/^[A-Za-z' ]+$/, 'letters, spaces and apostrophes only (the offline recognizer matches words)'),
  );
const toolName = (message?: string) => z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, message));

/** How the emulator speaks for this NPC (local TTS; the real API uses `voice`). */
export const LocalVoiceSchema = described(
  z.strictObject({
    engine: described(z.enum(['flite']), 'Local TTS engine. flite (BSD) compiled to WASM.'),
    voice: described(z.enum(LOCAL_VOICES), 'flite voice: slt (female), rms, awb (Scottish), kal16, kal (male).'),
    pitchHz: described(z.optional(z.number().check(z.minimum(50), z.maximum(400))), 'Target mean pitch (F0) in Hz.'),
    rate: described(
      z._default(z.number().check(z.minimum(0.5), z.maximum(2)), 1),
      'Speaking-rate factor: 1 is normal, 1.2 is 20 % faster.',
    ),
  }),
  'Voice used by the local emulator.',
);

/** A topic the NPC knows about: when the player's words hit a keyword, the NPC says `answer`. */
export const KnowledgeTopicSchema = z.strictObject({
  topic: described(nonEmpty, 'Name of the topic, for designers and logs.'),
  keywords: described(z.array(phrase).check(z.minLength(1)), 'Words or phrases that select this topic.'),
  answer: described(nonEmpty, 'What the NPC says about it (offline and as knowledge for the model).'),
});

/** A tool call an offline intent makes, with fixed arguments. */
export const IntentToolSchema = z.strictObject({
  name: described(toolName('a tool name: letters, digits, _ and -'), 'Name of a game tool; it must be listed in `tools`.'),
  arguments: described(z._default(z.record(z.string(), z.unknown()), {}), 'Fixed JSON arguments for the call.'),
});

/** What the NPC does offline when the player says one of `phrases`. */
export const IntentSchema = z
  .strictObject({
    id: described(z.string().check(z.regex(/^[a-z][a-z0-9_]*$/, 'snake_case id')), 'Intent id, unique in the persona.'),
    phrases: described(
      z.array(phrase).check(z.minLength(1)),
      'What the player may say (exact phrases the recognizer listens for).',
    ),
    say: described(z.optional(nonEmpty), 'Line the NPC says (before the tool runs, if there is one).'),
    tool: described(z.optional(IntentToolSchema), 'Game tool to call.'),
    resultTemplate: described(
      z.optional(nonEmpty),
      'Line spoken after the tool ran: {result} is replaced by the tool result, {result.field} by a field of it (a JSON result; a missing field falls back to the tool argument of that name), e.g. "Take this {result.item}."',
    ),
  })
  .check(
    z.refine((intent) => intent.say !== undefined || intent.tool !== undefined, {
      message: 'an intent needs `say`, `tool` or both',
      path: ['say'],
    }),
    z.refine((intent) => intent.resultTemplate === undefined || intent.tool !== undefined, {
      message: '`resultTemplate` needs a `tool`',
      path: ['resultTemplate'],
    }),
    z.refine((intent) => badPlaceholders(intent.resultTemplate).length === 0, {
      // zod/mini refinements take a static message: the placeholders themselves are named by the check below.
      message: 'unknown placeholder: use {result} (the whole tool result) or {result.field} (a field of it, e.g. {result.item})',
      path: ['resultTemplate'],
    }),
  );

/** `{…}` placeholders of a result template that are neither `{result}` nor `{result.field…}`. */
export function badPlaceholders(template: string | undefined): string[] {
  if (template === undefined) return [];
  return [...template.matchAll(/\{[^{}]*\}/g)].map((m) => m[0]).filter((p) => !/^\{result(\.[A-Za-z0-9_]+)*\}$/.test(p));
}

/** Spatial voice options, in pixels, named as in Phaser's SpatialSoundConfig / the Web Audio PannerNode. */
export const SpatialSchema = z.strictObject({
  refDistance: described(
    z._default(z.number().check(z.positive()), SPATIAL_DEFAULTS.refDistance),
    'Distance (px) at which the voice is at full volume.',
  ),
  maxDistance: described(
    z._default(z.number().check(z.positive()), SPATIAL_DEFAULTS.maxDistance),
    'Distance (px) beyond which the voice gets no quieter.',
  ),
  rolloffFactor: described(
    z._default(z.number().check(z.minimum(0)), SPATIAL_DEFAULTS.rolloffFactor),
    'How fast the voice fades with distance.',
  ),
  distanceModel: z._default(z.enum(['linear', 'inverse', 'exponential']), SPATIAL_DEFAULTS.distanceModel),
  panningModel: z._default(z.enum(['HRTF', 'equalpower']), SPATIAL_DEFAULTS.panningModel),
});

/** How the player and NPC take turns. */
export const TurnTakingSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('push_to_talk') }),
  z.strictObject({
    mode: z.literal('server_vad'),
    threshold: z._default(z.number().check(z.minimum(0), z.maximum(1)), SERVER_VAD_DEFAULTS.threshold),
    silenceMs: z._default(z.int().check(z.minimum(100), z.maximum(3000)), SERVER_VAD_DEFAULTS.silenceDurationMs),
    prefixPaddingMs: z._default(z.int().check(z.minimum(0), z.maximum(2000)), SERVER_VAD_DEFAULTS.prefixPaddingMs),
  }),
  z.strictObject({
    mode: z.literal('semantic_vad'),
    eagerness: z._default(z.enum(['low', 'medium', 'high', 'auto']), 'auto'),
  }),
]);

/** Topics the NPC refuses to talk about, and what it says instead. */
export const GuardrailsSchema = z.strictObject({
  refuseTopics: described(z._default(z.array(phrase), []), 'Words or topics the NPC will not discuss.'),
  refusal: described(z._default(nonEmpty, "I won't speak of that."), 'What the NPC says when asked about them.'),
});

/** The persona file. */
export const PersonaSchema = z
  .strictObject({
    $schema: described(z.optional(z.string()), 'Path to persona.schema.json, for editor autocompletion.'),
    id: described(
      z.string().check(z.regex(/^[a-z][a-z0-9_-]*$/, 'lowercase letters, digits, _ and -, starting with a letter')),
      'Unique id; also the file name.',
    ),
    displayName: described(nonEmpty, 'Name shown to the player.'),
    voice: described(z.enum(API_VOICES), 'OpenAI Realtime voice.'),
    localVoice: LocalVoiceSchema,
    instructions: described(nonEmpty, 'Character prompt for the model.'),
    greeting: described(nonEmpty, 'What the NPC says when greeted.'),
    farewell: described(nonEmpty, 'What the NPC says when the player leaves or says goodbye.'),
    fallback: described(z._default(nonEmpty, "Sorry, I didn't catch that."), 'What the offline brain says when nothing matches.'),
    onImage: described(
      z.optional(z.union([nonEmpty, z.array(nonEmpty).check(z.minLength(1))])),
      'What the offline brain says when the game shows the NPC a picture (`binding.show()`): one line, or a list it takes in turn. Without it the NPC says a default line. The real model looks at the picture itself.',
    ),
    knowledge: z._default(z.array(KnowledgeTopicSchema), []),
    intents: z._default(z.array(IntentSchema), []),
    tools: described(z._default(z.array(toolName()), []), 'Game tools this NPC may use.'),
    hearingRadiusPx: described(
      z.number().check(z.positive()),
      'How close (px) the player must be for the NPC to hear them.',
    ),
    spatial: described(z.prefault(SpatialSchema, {}), 'How the voice carries (px).'),
    turnTaking: TurnTakingSchema,
    guardrails: z.prefault(GuardrailsSchema, {}),
    memory: described(z._default(z.boolean(), true), 'Keep the conversation between sessions.'),
  })
  .check(
    z.superRefine((persona, ctx) => {
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
    }),
  );

/** A validated persona, defaults filled. */
export type Persona = z.output<typeof PersonaSchema>;
/** A persona as a designer writes it (defaults optional). */
export type PersonaInput = z.input<typeof PersonaSchema>;
export type LocalVoice = z.output<typeof LocalVoiceSchema>;
export type Intent = z.output<typeof IntentSchema>;
export type KnowledgeTopic = z.output<typeof KnowledgeTopicSchema>;
export type TurnTaking = z.output<typeof TurnTakingSchema>;
export type Spatial = z.output<typeof SpatialSchema>;
