// The official `openai` npm client as a developer runs it, in its own process so that NODE_EXTRA_CA_CERTS (read by
// Node at start) is how it trusts the emulator's certificate: mints a key over https with
// `realtime.clientSecrets.create`, opens its realtime WebSocket class over wss (it only speaks wss), does one text
// turn, asks the Calls API about a call, and prints what happened as one JSON line. Run by tlsStockClient.test.ts; BASE_URL is `https://host:port/v1`.
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';

const baseURL = process.env.BASE_URL ?? '';
const text = process.env.SAY ?? 'hello';

async function main(): Promise<void> {
  const openai = new OpenAI({ apiKey: 'sk-local-anything', baseURL });
  const secret = await openai.realtime.clientSecrets.create({
    session: { type: 'realtime', model: 'gpt-realtime', instructions: 'You are a pirate named Bob.', output_modalities: ['text'] },
  });
  const realtime = new OpenAIRealtimeWS({ model: 'gpt-realtime' }, new OpenAI({ apiKey: secret.value, baseURL }));
  const types: string[] = [];
  const reply = await new Promise<string>((resolve, reject) => {
    realtime.on('error', (error) => reject(error));
    realtime.on('event', (event) => types.push(event.type));
    realtime.on('response.output_text.done', (event) => resolve(event.text));
    realtime.socket.on('open', () => {
      realtime.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
      realtime.send({ type: 'response.create' });
    });
  });
  realtime.close();
  // The Calls API over https too: an unknown call is the API's 404, not a TLS or connection error.
  const hangup = await openai.realtime.calls.hangup('rtc_000000000000000000000000').then(
    () => 'ok',
    (error: unknown) => (error instanceof OpenAI.APIError ? `${error.status ?? '?'} ${String((error.error as { code?: unknown } | undefined)?.code)}` : String(error)),
  );
  process.stdout.write(`${JSON.stringify({ key: secret.value.slice(0, 3), url: realtime.url.protocol, types, reply, hangup })}\n`);
}

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? `${error.name}: ${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error) })}\n`);
  process.exitCode = 1;
});
