import { Hono } from 'hono';
import { WebSocket } from 'ws';
import { z } from 'zod';
import type { Persona } from '../../plugin/shared/personaSchema.js';
import { personaSessionConfig } from '../../plugin/shared/sessionConfig.js';
import { verifyWebhook } from '../emulator/sip/webhookSignature.js';
import type { LogFn } from '../redact.js';

/** Where the server takes `realtime.call.incoming` webhooks (point OpenAI's project webhook, or the emulator, here). */
export const PHONE_WEBHOOK_PATH = '/api/npc-voice/sip/incoming';

/** The standard key the phone route presents to the emulator (any non-`ek_` key controls an emulator call). */
export const EMULATOR_CONTROL_KEY = 'npc-voice-emulator';

/** How the phone route reaches the Realtime API (OpenAI, or this server's emulator). */
export interface PhoneRouteOptions {
  /** The webhook signing secret (`whsec_…`). */
  secret: string;
  personas: () => ReadonlyMap<string, Persona>;
  model: string;
  /**
   * Base URL of the calls API (`https://api.openai.com/v1`) and the standard key to control calls with; undefined
   * base: this server's own emulator, at the origin the webhook came to.
   */
  api: { baseUrl?: string; apiKey: string };
  log: LogFn;
}

const IncomingCallSchema = z.object({
  type: z.literal('realtime.call.incoming'),
  data: z.object({ call_id: z.string().min(1), sip_headers: z.array(z.object({ name: z.string(), value: z.string() })) }),
});

/** The user part of the dialled address: `To: <sip:blacksmith@127.0.0.1>` → `blacksmith`. */
export function dialledUser(headers: readonly { name: string; value: string }[]): string | undefined {
  const to = headers.find((h) => /^(to|t)$/i.test(h.name))?.value;
  return to ? /<?(?:sips?|tel):([^@;>]+)[@;>]?/i.exec(to)?.[1]?.toLowerCase() : undefined;
}

/**
 * The session a phone call to `persona` is accepted with: the persona's own config, less what a phone line cannot
 * use (the game's tools, PCM formats: the line negotiates G.711) and the server_vad tuning the Calls API refuses on
 * SIP; push-to-talk personas get server VAD, a phone has no key to hold.
 */
export function phoneSessionConfig(persona: Persona, model: string): Record<string, unknown> {
  const config = personaSessionConfig(persona, model);
  const turn = config.audio.input.turn_detection;
  return {
    type: 'realtime',
    model,
    instructions: config.instructions,
    output_modalities: ['audio'],
    audio: {
      input: {
        transcription: config.audio.input.transcription,
        turn_detection:
          turn?.type === 'semantic_vad'
            ? turn
            : { type: 'server_vad', create_response: true, interrupt_response: true },
      },
      output: { voice: config.audio.output.voice },
    },
  };
}

/**
 * "Phone an NPC": the server's handler of `realtime.call.incoming`. It checks the signature, accepts a call to
 * `sip:<persona id>@…` with that persona's session (others are rejected with 404), and opens the call's sideband
 * to have the NPC greet the caller. The same handler serves the emulator's SIP calls and, in openai mode, calls into
 * a project's SIP trunk.
 */
export function phoneRoute(options: PhoneRouteOptions): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    const body = await c.req.text();
    const refused = verifyWebhook(options.secret, body, (name) => c.req.header(name));
    if (refused) {
      options.log(`phone: webhook refused: ${refused}`);
      return c.json({ error: { type: 'invalid_request_error', code: 'invalid_signature', message: `Webhook refused: ${refused}.` } }, 400);
    }
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      return c.json({ error: { type: 'invalid_request_error', code: 'invalid_json', message: 'The webhook body is not JSON.' } }, 400);
    }
    const event = IncomingCallSchema.safeParse(json);
    // Other events of the project's webhook are not ours to handle, but are not errors either.
    if (!event.success) return c.body(null, 200);
    const callId = event.data.data.call_id;
    const base = options.api.baseUrl ?? `${new URL(c.req.url).origin}/v1`;
    const control = (action: string, payload?: unknown) =>
      fetch(`${base}/realtime/calls/${encodeURIComponent(callId)}/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.api.apiKey}`, 'content-type': 'application/json' },
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
      });
    const user = dialledUser(event.data.data.sip_headers);
    const persona = user === undefined ? undefined : options.personas().get(user);
    if (!persona) {
      options.log(`phone: call ${callId} to ${user ?? '?'}: no such persona; rejecting with 404`);
      await (await control('reject', { status_code: 404 })).arrayBuffer();
      return c.body(null, 200);
    }
    const accepted = await control('accept', phoneSessionConfig(persona, options.model));
    if (!accepted.ok) {
      options.log(`phone: call ${callId}: accept answered ${accepted.status}`);
      await accepted.arrayBuffer();
      return c.body(null, 200);
    }
    await accepted.arrayBuffer();
    options.log(`phone: call ${callId} to ${persona.id} accepted`);
    greet(`${base.replace(/^http/, 'ws')}/realtime?call_id=${encodeURIComponent(callId)}`, options.api.apiKey, options.log);
    return c.body(null, 200);
  });
  return app;
}

/** Opens the call's sideband, asks for the greeting (`response.create`) and leaves once it is done. */
function greet(url: string, apiKey: string, log: LogFn): void {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${apiKey}` } });
  const timer = setTimeout(() => ws.terminate(), 60_000).unref();
  ws.on('open', () => ws.send(JSON.stringify({ type: 'response.create' })));
  ws.on('message', (data) => {
    const type = (JSON.parse(String(data)) as { type?: unknown }).type;
    if (type === 'response.done') ws.close();
  });
  ws.on('error', (error) => log(`phone: sideband failed: ${error.message}`));
  ws.on('close', () => clearTimeout(timer));
}
