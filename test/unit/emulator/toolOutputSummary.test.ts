import { describe, expect, it } from 'vitest';
import { summarizeToolOutput } from '../../../server/emulator/brain/toolOutputSummary.js';

describe('summarizeToolOutput', () => {
  it('speaks text as it is, and a JSON string unquoted, as a sentence', () => {
    expect(summarizeToolOutput('The weather in Paris is sunny.')).toBe('The weather in Paris is sunny.');
    expect(summarizeToolOutput('"sunny and warm"')).toBe('Sunny and warm.');
    expect(summarizeToolOutput('21')).toBe('21.');
  });

  it("reads an object's answer field when it has one, else its fields as key-value pairs", () => {
    expect(summarizeToolOutput('{"ok":true,"message":"The gate is open"}')).toBe('The gate is open.');
    expect(summarizeToolOutput('{"city":"Paris","temperatureC":18,"conditions":"sunny"}')).toBe('City Paris, temperature c 18, conditions sunny.');
    expect(summarizeToolOutput('{"forecast":[{"day":"Mon","sky":"rain"},{"day":"Tue","sky":"sun"}]}')).toBe('Forecast day Mon, sky rain and day Tue, sky sun.');
  });

  it('never reads JSON punctuation out loud, and says something for empty results', () => {
    expect(summarizeToolOutput('null')).toBe('Done.');
    expect(summarizeToolOutput('{}')).toBe('Done.');
    expect(summarizeToolOutput('false')).toBe('That did not work.');
    expect(summarizeToolOutput('{"a":{"b":{"c":{"d":1}}}}')).not.toMatch(/[{}":]/);
  });

  it('caps a long output at 300 characters', () => {
    expect(summarizeToolOutput('x'.repeat(1000)).length).toBeLessThanOrEqual(301);
  });
});
