// The developer's side of a SIP call, with the official `openai` client: the emulator's `realtime.call.incoming`
// webhook verifies with `openai.webhooks.unwrap`, and `openai.realtime.calls.accept / reject / hangup` control a call
// that Debian's baresip places over loopback UDP (G.711 A-law here; the phone-route test speaks µ-law).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rms } from '../../../plugin/shared/pcm16.js';
import { readConfig } from '../../../server/config.js';
import { createNpcVoiceServer, type NpcVoiceServer } from '../../../server/createServer.js';
import { newWebhookSecret } from '../../../server/emulator/sip/webhookSignature.js';
import { RawClient } from '../emulator/helpers.js';
import { Baresip, baresipInstalled, wav8k } from './baresip.js';

/** A key of the developer's server: the emulator takes any standard (non-`ek_`) key for call control. */
const SERVER_KEY = 'developer-server-key';

type IncomingCall = Awaited<ReturnType<OpenAI['webhooks']['unwrap']>> & { type: 'realtime.call.incoming' };

/** The developer's webhook endpoint: verifies each delivery with the official client and hands the events out. */
class WebhookReceiver {
  readonly server = http.createServer();
  private readonly queue: (IncomingCall | Error)[] = [];
  private readonly waiting: ((event: IncomingCall | Error) => void)[] = [];
  userAgents: string[] = [];

  constructor(client: OpenAI) {
    this.server.on('request', (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        this.userAgents.push(String(req.headers['user-agent']));
        client.webhooks
          .unwrap(body, req.headers as Record<string, string>)
          .then((event) => this.push(event as IncomingCall))
          .catch((error: Error) => this.push(error))
          .finally(() => res.end());
      });
    });
  }

  private push(event: IncomingCall | Error): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(event);
    else this.queue.push(event);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** The next verified event (a delivery that failed verification rejects). */
  async next(): Promise<IncomingCall> {
    const event = this.queue.shift() ?? (await new Promise<IncomingCall | Error>((resolve) => this.waiting.push(resolve)));
    if (event instanceof Error) throw event;
    return event;
  }
}

describe.skipIf(!baresipInstalled())('controlling SIP calls with the openai client', () => {
  const secret = newWebhookSecret();
  let server: NpcVoiceServer;
  let phone: Baresip;
  let openai: OpenAI;
  let hooks: WebhookReceiver;

  beforeAll(async () => {
    openai = new OpenAI({ apiKey: SERVER_KEY, webhookSecret: secret, baseURL: 'http://unset.invalid/v1' });
    hooks = new WebhookReceiver(openai);
    const hookUrl = await hooks.listen();
    server = await createNpcVoiceServer({
      config: readConfig({ NPC_VOICE_SIP_PORT: '0', NPC_VOICE_SIP_WEBHOOK_URL: hookUrl, OPENAI_WEBHOOK_SECRET: secret }, { port: 0, host: '127.0.0.1' }),
      log: () => {},
    });
    openai = new OpenAI({ apiKey: SERVER_KEY, webhookSecret: secret, baseURL: `${server.url}/v1` });
    phone = await Baresip.start(wav8k(new Int16Array(8000 * 60)), 'PCMA');
  });
  afterAll(async () => {
    await phone?.stop();
    await server?.close();
    await new Promise((resolve) => hooks?.server.close(resolve));
  });

  const control = (callId: string, action: string, body: unknown, key = SERVER_KEY) =>
    fetch(`${server.url}/v1/realtime/calls/${callId}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('announces the call signed like OpenAI, accepts it with a session and hangs up from the server', { timeout: 60_000 }, async () => {
    phone.command(`/dial sip:guard@127.0.0.1:${server.sipPort}`);
    const incoming = await hooks.next();
    expect(incoming.type).toBe('realtime.call.incoming');
    const callId = incoming.data.call_id;
    expect(callId).toMatch(/^rtc_[0-9a-f]{24}$/);
    expect(incoming.data.sip_media_security).toBe('rtp');
    expect(incoming.data.sip_headers.find((h) => h.name === 'To')?.value).toBe(`<sip:guard@127.0.0.1:${server.sipPort}>`);
    expect(incoming.data.sip_headers.some((h) => h.name === 'User-Agent' && h.value.startsWith('baresip'))).toBe(true);
    expect(hooks.userAgents[0]).toBe('OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)');

    // What the Calls API refuses, with the field named; the call keeps ringing.
    const browserKey = await control(callId, 'accept', { type: 'realtime' }, server.keyStore.issue({ type: 'realtime' }, 60).value);
    expect(browserKey.status).toBe(401);
    expect(((await browserKey.json()) as { error: { code: string } }).error.code).toBe('invalid_api_key');
    const tuned = await control(callId, 'accept', { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad', threshold: 0.5 } } } });
    expect(tuned.status).toBe(400);
    expect(await tuned.json()).toMatchObject({ error: { code: 'invalid_value', param: 'audio.input.turn_detection.threshold' } });

    // The accept's own instructions, voice and tools are the call's, not the dialled persona's.
    await openai.realtime.calls.accept(callId, {
      type: 'realtime',
      model: 'gpt-realtime',
      instructions: 'You are the keeper of the north gate, named Hild.',
      audio: { output: { voice: 'cedar' } },
      tools: [{ type: 'function', name: 'open_gate', description: 'Opens the north gate', parameters: { type: 'object', properties: {} } }],
    });
    await phone.waitFor(/Call established/, { fromStart: true });
    const again = await control(callId, 'accept', { type: 'realtime' });
    expect(await again.json()).toMatchObject({ error: { code: 'call_state_invalid', param: 'call_id' } });

    // The sideband drives the session: the keeper the accept described greets on an A-law line, in its voice.
    const sideband = await RawClient.connect(`${server.url.replace(/^http/, 'ws')}/v1/realtime?call_id=${callId}`, {
      headers: { Authorization: `Bearer ${SERVER_KEY}` },
    });
    sideband.send({ type: 'response.create' });
    const created = await sideband.nextOfType('response.created');
    expect(created.response).toMatchObject({ audio: { output: { voice: 'cedar' } } });
    const greeting = await sideband.next((e) => e.type === 'response.output_audio_transcript.done', 20_000);
    expect(greeting.transcript).toBe('Hello there, traveler. I am Hild.');
    await sideband.next((e) => e.type === 'output_audio_buffer.stopped' && e.response_id === greeting.response_id, 20_000);
    // The accept's tool: the caller's words call it.
    sideband.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'open the gate please' }] } });
    sideband.send({ type: 'response.create' });
    const call = await sideband.next((e) => e.type === 'response.function_call_arguments.done', 20_000);
    expect(call).toMatchObject({ name: 'open_gate', arguments: '{}' });

    const hungUp = phone.waitFor(/terminated/);
    await openai.realtime.calls.hangup(callId);
    await hungUp;
    const heard = phone.heard();
    const windows = Array.from({ length: Math.floor(heard.length / 800) }, (_, i) => rms(heard.subarray(i * 800, i * 800 + 800)));
    // The greeting is about two seconds of speech with pauses between its words.
    expect(windows.filter((level) => level > 0.01).length * 100).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...windows)).toBeGreaterThan(0.05);
    await expect(openai.realtime.calls.hangup(callId)).rejects.toMatchObject({ status: 404 });
  });

  it('an accept without instructions speaks as the dialled persona, and keypad presses arrive as DTMF events', { timeout: 60_000 }, async () => {
    phone.command(`/dial sip:guard@127.0.0.1:${server.sipPort}`);
    const incoming = await hooks.next();
    const callId = incoming.data.call_id;
    await openai.realtime.calls.accept(callId, { type: 'realtime', model: 'gpt-realtime' });
    const sideband = await RawClient.connect(`${server.url.replace(/^http/, 'ws')}/v1/realtime?call_id=${callId}`, {
      headers: { Authorization: `Bearer ${SERVER_KEY}` },
    });
    sideband.send({ type: 'response.create' });
    const greeting = await sideband.next((e) => e.type === 'response.output_audio_transcript.done', 20_000);
    expect(greeting.transcript).toBe('Halt. State your business at the gate.');
    // The caller's keypad (RFC 4733 telephone-event RTP) reaches the sideband, one event per press.
    const before = Math.floor(Date.now() / 1000);
    phone.command('/sndcode 5');
    const five = await sideband.nextOfType('input_audio_buffer.dtmf_event_received', 20_000);
    phone.command('/sndcode #');
    const hash = await sideband.nextOfType('input_audio_buffer.dtmf_event_received', 20_000);
    expect([five.event, hash.event]).toEqual(['5', '#']);
    expect(five.received_at).toBeGreaterThanOrEqual(before);
    // The call ends either by the BYE ("terminated") or, when the closed RTP port's ICMP reply is read first, by
    // "session closed": both are the hangup.
    const hungUp = phone.waitFor(/terminated|session closed/);
    await openai.realtime.calls.hangup(callId);
    await hungUp;
  });

  it('rejects a call with the status the server chose', { timeout: 30_000 }, async () => {
    const closed = phone.waitFor(/486 Busy Here/);
    phone.command(`/dial sip:guard@127.0.0.1:${server.sipPort}`);
    const incoming = await hooks.next();
    const bad = await control(incoming.data.call_id, 'reject', { status_code: 200 });
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_value', param: 'status_code' } });
    await openai.realtime.calls.reject(incoming.data.call_id, { status_code: 486 });
    await closed;
  });
});
