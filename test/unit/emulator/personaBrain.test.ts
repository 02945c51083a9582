import { beforeAll, describe, expect, it } from 'vitest';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { DEFAULT_IMAGE_LINE, PersonaBrain, fillResultTemplate, toolDeclined, toolError } from '../../../server/emulator/brain/PersonaBrain.js';
import { loadPersonas, type PersonaMap } from '../../../server/personas/loadPersonas.js';

let personas: PersonaMap;
let brain: PersonaBrain;
let blacksmith: Persona;
const tools = [{ name: 'give_item', description: 'Give an item to the player', parameters: undefined }];

beforeAll(async () => {
  personas = await loadPersonas();
  blacksmith = personas.get('blacksmith') as Persona;
  brain = new PersonaBrain(blacksmith);
});

describe('PersonaBrain', () => {
  it('greets when there is no new input or the player greets', () => {
    expect(brain.decide({ kind: 'none' }, tools).say).toBe(blacksmith.greeting);
    expect(brain.decide({ kind: 'text', text: 'Good morning!' }, tools).say).toBe(blacksmith.greeting);
  });

  it('says farewell, refuses guarded topics and answers knowledge by keyword', () => {
    expect(brain.decide({ kind: 'text', text: 'bye' }, tools).say).toBe(blacksmith.farewell);
    expect(brain.decide({ kind: 'text', text: 'what about magic' }, tools).reason).toBe('refusal');
    expect(brain.decide({ kind: 'text', text: 'is your steel good' }, tools).say).toBe(blacksmith.knowledge[1]?.answer);
    expect(brain.decide({ kind: 'text', text: 'purple elephants' }, tools).say).toBe(blacksmith.fallback);
  });

  it('calls an intent tool only when the session declares it', () => {
    const withTool = brain.decide({ kind: 'text', text: 'hello, give me a sword please' }, tools);
    expect(withTool.toolCall).toMatchObject({ name: 'give_item', arguments: '{"item":"sword"}' });
    const without = brain.decide({ kind: 'text', text: 'give me a sword' }, []);
    expect(without.toolCall).toBeNull();
    expect(without.say).toBe('A traveler should not walk unarmed.');
  });

  it('speaks the result template filled from the tool output', () => {
    const intent = blacksmith.intents[0];
    expect(brain.decide({ kind: 'tool_result', intent, output: '{"item":"longsword"}' }, tools).say).toBe('There. The longsword is yours. Swing it true.');
    expect(fillResultTemplate('Got {result}', 'ok')).toBe('Got ok');
    expect(fillResultTemplate('The {result.item}', 'done', { item: 'shield' })).toBe('The shield');
  });

  it('without say or resultTemplate speaks a text result, never a JSON object', () => {
    const intent = { id: 'pay', phrases: ['pay me'], tool: { name: 'give_item', arguments: {} } };
    expect(brain.decide({ kind: 'tool_result', intent, output: '{"gold":5,"left":3}' }, tools).say).toBe('Done.');
    expect(brain.decide({ kind: 'tool_result', intent, output: '"Five gold, counted."' }, tools).say).toBe('Five gold, counted.');
    expect(brain.decide({ kind: 'tool_result', intent, output: 'paid' }, tools).say).toBe('paid');
  });

  it('says the tool failed instead of the success line when the tool reports an error', () => {
    const intent = blacksmith.intents[0];
    const decision = brain.decide({ kind: 'tool_result', intent, output: '{"error":"the forge is cold."}' }, tools);
    expect(decision.say).toBe('Hm. That did not work: the forge is cold.');
    expect(toolError('{"error":{"message":"no stock"}}')).toBe('no stock');
    expect(toolError('{"item":"sword"}')).toBeNull();
    expect(toolError('not json')).toBeNull();
  });
});

describe('PersonaBrain: pictures', () => {
  it("takes the persona's onImage lines in turn, answers understood words shown with a picture, and warms the lines", () => {
    const lines = blacksmith.onImage as string[];
    expect(lines.length).toBe(2);
    const said = [0, 1, 2].map((answered) => brain.decide({ kind: 'image', text: '', answered }, tools));
    expect(said.map((d) => [d.reason, d.say])).toEqual([['image', lines[0]], ['image', lines[1]], ['image', lines[0]]]);
    expect(brain.decide({ kind: 'image', text: 'what do you make of this', answered: 0 }, tools).say).toBe(lines[0]);
    const sword = brain.decide({ kind: 'image', text: 'give me a sword', answered: 0 }, tools);
    expect(sword.toolCall?.name).toBe('give_item');
    expect(brain.warmLines()).toEqual(expect.arrayContaining(lines));
  });

  it('says a single onImage line, or the default line for a persona without one', () => {
    const one = new PersonaBrain({ ...blacksmith, onImage: 'Ah, the village!' });
    expect(one.decide({ kind: 'image', text: '', answered: 5 }, tools).say).toBe('Ah, the village!');
    const guard = new PersonaBrain(personas.get('guard') as Persona);
    expect(guard.decide({ kind: 'image', text: '', answered: 0 }, tools).say).toBe(DEFAULT_IMAGE_LINE);
  });
});

describe('PersonaBrain: common phrases and declined tools', () => {
  it('answers thanks, yes and no with a sensible line instead of the fallback', () => {
    for (const text of ['thanks', 'Thank you!', 'thanks for the sword']) {
      expect(brain.decide({ kind: 'text', text }, tools)).toMatchObject({ reason: 'courtesy', say: 'You are welcome.' });
    }
    expect(brain.decide({ kind: 'text', text: 'yes' }, tools).say).toBe('Good.');
    expect(brain.decide({ kind: 'text', text: 'no thanks' }, tools).say).toBe('As you wish.');
    expect(brain.decide({ kind: 'text', text: 'goodbye' }, tools).say).toBe(blacksmith.farewell);
    // An intent inside a sentence still wins over the courtesy words around it.
    expect(brain.decide({ kind: 'text', text: 'yes give me a sword' }, tools).toolCall?.name).toBe('give_item');
  });

  it('tells the player what it can be asked when they ask for help', () => {
    const help = brain.decide({ kind: 'text', text: 'help' }, tools);
    expect(help.reason).toBe('help');
    expect(help.say).toContain('"give me a sword"');
    expect(help.say).toContain('forge');
    expect(brain.warmLines()).toContain(help.say);
  });

  it('speaks the message of a declined tool instead of the success template', () => {
    const intent = blacksmith.intents[0];
    const output = '{"item":"sword","given":false,"ok":false,"message":"You already have the sword."}';
    expect(brain.decide({ kind: 'tool_result', intent, output }, tools).say).toBe('You already have the sword.');
    expect(toolDeclined('{"ok":false}')).toBe('Hm. That did not work.');
    expect(toolDeclined('{"item":"sword","given":true}')).toBeNull();
    expect(toolDeclined('"ok"')).toBeNull();
  });
});
