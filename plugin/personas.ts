// `phaser-npc-voice/personas`: persona parsing and the session body a persona becomes, without Phaser or browser
// APIs, for Node (a backend, a build script, a designer's CI) as much as for the browser.
export {
  parsePersona,
  parsePersonaJson,
  formatPersonaIssue,
  PersonaError,
  type PersonaIssue,
  type PersonaParseResult,
} from './shared/parsePersona.js';
export { PersonaSchema, API_VOICES, LOCAL_VOICES, type Persona, type PersonaInput } from './shared/personaSchema.js';
export { personaSessionConfig, buildInstructions, DEFAULT_REALTIME_MODEL, type PersonaSessionConfig } from './shared/sessionConfig.js';
