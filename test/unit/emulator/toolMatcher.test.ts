import { describe, expect, it } from 'vitest';
import { matchTool, toolArguments, type FunctionToolSpec } from '../../../server/emulator/brain/toolMatcher.js';

const object = (properties: Record<string, unknown>, required: string[] = Object.keys(properties)) => ({ type: 'object', properties, required });

const weather: FunctionToolSpec = {
  name: 'get_weather',
  description: 'Get the weather for a given city',
  parameters: object({ city: { type: 'string' } }),
};
const giveItem: FunctionToolSpec = { name: 'give_item', description: 'Give an item to the player', parameters: object({ item: { type: 'string' } }) };
const setLights: FunctionToolSpec = {
  name: 'setLights',
  description: 'Turns the tavern lights on or off',
  parameters: object({ state: { type: 'string', enum: ['on', 'off'] }, brightness: { type: 'integer' } }, ['state']),
};
/** What @openai/agents-core declares for `handoff(weatherAgent)`. */
const transferToWeather: FunctionToolSpec = {
  name: 'transfer_to_weather_agent',
  description: 'Handoff to the Weather agent agent to handle the request. Answers questions about the weather and forecasts',
  parameters: object({}, []),
};
const bookRoom: FunctionToolSpec = {
  name: 'book_room',
  description: 'Books a room at the inn',
  parameters: object({ nights: { type: 'number' }, guest: { type: ['string', 'null'] } }),
};

describe('matchTool', () => {
  it('calls the weather tool with the capitalised city the player named', () => {
    expect(matchTool("What's the weather in Paris?", [giveItem, weather])).toEqual({ tool: weather, arguments: { city: 'Paris' }, score: 3 });
  });

  it('takes a lowercase argument after "in" (speech is recognised in lowercase) and multi-word names', () => {
    expect(matchTool('what is the weather like in paris', [weather])?.arguments).toEqual({ city: 'paris' });
    expect(matchTool('Is it raining in New York? What is the weather', [weather])?.arguments).toEqual({ city: 'New York' });
  });

  it('returns null when no tool shares a word with what was said', () => {
    expect(matchTool('hello there, how are you', [weather, giveItem, setLights])).toBeNull();
    expect(matchTool('', [weather])).toBeNull();
    expect(matchTool('the weather', [])).toBeNull();
  });

  it('prefers the tool whose name the player said over one whose description merely mentions the word', () => {
    const forecast: FunctionToolSpec = { name: 'tell_story', description: 'Tells a story about the weather of old', parameters: object({}, []) };
    expect(matchTool('what is the weather', [forecast, weather])?.tool.name).toBe('get_weather');
  });

  it('breaks ties by declaration order, so the same words always pick the same tool', () => {
    const twin: FunctionToolSpec = { ...weather, name: 'weather_now' };
    expect(matchTool('weather please', [weather, twin])?.tool.name).toBe('get_weather');
    expect(matchTool('weather please', [twin, weather])?.tool.name).toBe('weather_now');
  });

  it('matches an enum value and a camelCase name, and takes the number said', () => {
    expect(matchTool('turn the lights off, brightness 3', [weather, setLights])).toMatchObject({ tool: setLights, arguments: { state: 'off', brightness: 3 } });
    expect(matchTool('lights on at five', [setLights])?.arguments).toEqual({ state: 'on', brightness: 5 });
  });

  it('a required string nothing names takes the thing asked for: "give me a sword" gives the sword', () => {
    expect(matchTool('give me a sword', [weather, giveItem])).toMatchObject({ tool: giveItem, arguments: { item: 'sword' } });
  });

  it('calls the handoff tool the Agents SDK declares when the player asks about its subject', () => {
    expect(matchTool('I have a question about the forecast', [giveItem, transferToWeather])?.tool.name).toBe('transfer_to_weather_agent');
  });

  it('singular and plural words match alike', () => {
    expect(matchTool('any rooms free for 2 nights? I am Ada', [weather, bookRoom])).toMatchObject({ tool: bookRoom, arguments: { nights: 2, guest: 'Ada' } });
  });
});

describe('toolArguments', () => {
  it('fills properties in declaration order from the candidates in the order they were said', () => {
    const travel: FunctionToolSpec = { name: 'travel', description: 'Travel between towns', parameters: object({ from: { type: 'string' }, to: { type: 'string' } }) };
    expect(toolArguments('travel from Bree to Rivendell', travel)).toEqual({ from: 'Bree', to: 'Rivendell' });
  });

  it('takes quoted text whole', () => {
    const rename: FunctionToolSpec = { name: 'rename_sword', description: 'Names the sword', parameters: object({ name: { type: 'string' } }) };
    expect(toolArguments('rename my sword to "the red dawn"', rename)).toEqual({ name: 'the red dawn' });
  });

  it('leaves out what nothing in the words fills (the tool then reports the missing argument)', () => {
    expect(toolArguments('lights', setLights)).toEqual({});
    expect(toolArguments('anything', { name: 'x', description: '', parameters: undefined })).toEqual({});
  });
});
