const MAX_CHARS = 300;
/** Fields whose text is the whole answer when a tool returns an object holding one. */
const ANSWER_FIELDS = ['message', 'result', 'answer', 'summary', 'text', 'output', 'description', 'content'];

/** `temperatureC` / `wind_speed` → "temperature c" / "wind speed". */
function spokenKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .toLowerCase()
    .trim();
}

function spokenValue(value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const items = value.slice(0, 5).map((v) => spokenValue(v, depth + 1)).filter((v) => v !== '');
    if (items.length <= 1) return items[0] ?? 'none';
    return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
  }
  if (depth >= 3) return '';
  return spokenObject(value as Record<string, unknown>, depth + 1);
}

function spokenObject(object: Record<string, unknown>, depth: number): string {
  for (const field of ANSWER_FIELDS) {
    const text = object[field];
    if (typeof text === 'string' && text.trim() !== '') return text.trim();
  }
  return Object.entries(object)
    .map(([key, value]) => [spokenKey(key), spokenValue(value, depth)] as const)
    .filter(([key, value]) => key !== '' && value !== '')
    .slice(0, 8)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
}

/** `text` as one spoken sentence: capitalised, ending in a full stop, at most 300 characters. */
function sentence(text: string): string {
  const trimmed = text.trim().slice(0, MAX_CHARS).trim();
  if (trimmed === '') return 'Done.';
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/**
 * What a persona-less session says after its tool ran, from the `function_call_output`: text as it is; JSON read out
 * as a sentence — a string or number itself, an object's `message`/`result`/`answer`/… text when it has one, else its
 * fields as "key value" pairs (`{"city":"Paris","temperatureC":18}` → "City Paris, temperature c 18."), an array's
 * first items joined with "and". Never raw JSON, at most 300 characters.
 */
export function summarizeToolOutput(output: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(output);
  } catch {
    return sentence(output);
  }
  if (parsed === null || parsed === true) return 'Done.';
  if (parsed === false) return 'That did not work.';
  return sentence(spokenValue(parsed, 0));
}
