import type { Persona } from '../../plugin/shared/personaSchema.js';
import type { PersonaRegistry } from '../personas/PersonaRegistry.js';
import type { LogFn } from '../redact.js';
import type { ControlGrant, ControlTokens } from './ControlTokens.js';

/** A token redeemed for a session of a known persona, or the refusal to answer with. */
export type Admission =
  | { ok: true; grant: ControlGrant; persona: Persona }
  | { ok: false; status: 401 | 404; code: 'invalid_token' | 'unknown_persona'; message: string };

/** Redeems the token a channel (`what`: "call", "session") was opened with and finds its persona; logs refusals. */
export async function admit(tokens: ControlTokens, personas: PersonaRegistry, token: string | undefined, what: string, log: LogFn): Promise<Admission> {
  const redeemed = await tokens.redeem(token);
  if (!redeemed.ok) {
    log(`control: refused a ${what}: ${redeemed.reason} token`);
    const message = `The ${what} needs a fresh token from the mint route (this one is ${redeemed.reason}); each token opens one ${what}.`;
    return { ok: false, status: 401, code: 'invalid_token', message };
  }
  const { grant } = redeemed;
  const persona = personas.get(grant.personaId);
  if (!persona) return { ok: false, status: 404, code: 'unknown_persona', message: `No persona "${grant.personaId}" any more.` };
  return { ok: true, grant, persona };
}
