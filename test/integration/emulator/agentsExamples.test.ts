// The agents-js examples against the emulator, as their README writes them: a key bound to no persona, the SDK's own
// agent with its own instructions and tools. The emulator's brain must call the tool the player's words ask for (with
// the arguments they give), speak its output, and hand off when the player asks for another agent's subject.
import { RealtimeAgent, RealtimeSession, tool } from '@openai/agents-realtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestServer, type TestServer } from '../../support/testServer.js';
import { nextSessionEvent } from './helpers.js';

const MODEL = 'gpt-realtime';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

/** The weather tool of the agents-js README; every city it is asked for goes to `cities`. */
function weatherTool(cities: string[]) {
  return tool({
    name: 'get_weather',
    description: 'Return the weather for a city.',
    parameters: z.object({ city: z.string() }),
    async execute({ city }) {
      cities.push(city);
      return `The weather in ${city} is sunny.`;
    },
  });
}

/** A session with text output, no turn detection (typed turns), on a key minted for no persona. */
async function connect(agent: RealtimeAgent): Promise<RealtimeSession> {
  const session = new RealtimeSession(agent, { transport: 'websocket', model: MODEL, config: { outputModalities: ['text'], audio: { input: { turnDetection: null } } } });
  await session.connect({ apiKey: server.mintKey(), url: `${server.wsUrl}?model=${MODEL}` });
  return session;
}

/** The next `agent_end` with something said (a response that only calls a tool ends with no text). */
const nextReply = (session: RealtimeSession) => nextSessionEvent(session, 'agent_end', (args) => args[2] !== '', 20_000).then((args) => args[2]);

describe('the agents-js examples on a key bound to no persona', () => {
  it('the weather agent gets its tool called with the city the player named, and speaks its output', async () => {
    const cities: string[] = [];
    const agent = new RealtimeAgent({ name: 'Assistant', instructions: 'You are a helpful assistant.', tools: [weatherTool(cities)] });
    const session = await connect(agent);
    const toolEnd = nextSessionEvent(session, 'agent_tool_end', () => true, 20_000);
    const reply = nextReply(session);
    session.sendMessage("What's the weather in Paris?");
    const [, , calledTool, result] = await toolEnd;
    expect((calledTool as { name: string }).name).toBe('get_weather');
    expect(result).toBe('The weather in Paris is sunny.');
    expect(cities).toEqual(['Paris']);
    expect(await reply).toBe('The weather in Paris is sunny.');
    session.close();
  });

  it('without a tool to match, the agent answers from its own instructions', async () => {
    const agent = new RealtimeAgent({ name: 'Bob', instructions: 'You are a pirate named Bob. Answer like a pirate.', tools: [weatherTool([])] });
    const session = await connect(agent);
    const greeting = nextReply(session);
    session.sendMessage('Hello!');
    expect(await greeting).toBe('Hello there, traveler. I am Bob.');
    const identity = nextReply(session);
    session.sendMessage('Who are you?');
    expect(await identity).toBe('I am a pirate named Bob.');
    session.close();
  });

  it('the greeter hands off to the weather agent, which then calls its own tool', async () => {
    const cities: string[] = [];
    const weatherAgent = new RealtimeAgent({
      name: 'Weather agent',
      instructions: 'You are the weather agent. Talk only about the weather.',
      handoffDescription: 'Answers questions about the weather and forecasts.',
      tools: [weatherTool(cities)],
    });
    const greeter = new RealtimeAgent({ name: 'Greeter', instructions: 'Greet the user and hand off to the weather agent for weather questions.', handoffs: [weatherAgent] });
    const session = await connect(greeter);
    const handoff = nextSessionEvent(session, 'agent_handoff', () => true, 20_000);
    const afterHandoff = nextReply(session);
    session.sendMessage('Can you tell me the forecast?');
    const [, from, to] = await handoff;
    expect((from as RealtimeAgent).name).toBe('Greeter');
    expect((to as RealtimeAgent).name).toBe('Weather agent');
    // The new agent speaks first, from its own instructions.
    expect(await afterHandoff).toBe('Hello there, traveler. I am the weather agent.');
    const reply = nextReply(session);
    session.sendMessage('What is the weather like in Tokyo?');
    expect(await reply).toBe('The weather in Tokyo is sunny.');
    expect(cities).toEqual(['Tokyo']);
    session.close();
  });

  it("tool_choice none keeps the agent from calling its tool: it answers in words", async () => {
    const cities: string[] = [];
    const agent = new RealtimeAgent({ name: 'Assistant', instructions: 'You are a helpful assistant.', tools: [weatherTool(cities)] });
    const session = new RealtimeSession(agent, {
      transport: 'websocket',
      model: MODEL,
      config: { outputModalities: ['text'], audio: { input: { turnDetection: null } }, toolChoice: 'none' },
    });
    await session.connect({ apiKey: server.mintKey(), url: `${server.wsUrl}?model=${MODEL}` });
    const reply = nextReply(session);
    session.sendMessage("What's the weather in Paris?");
    expect(await reply).toBe("Sorry, I didn't catch that.");
    expect(cities).toEqual([]);
    session.close();
  });
});
