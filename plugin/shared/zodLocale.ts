import type * as z from 'zod/mini';

// Same wording as zod's `util.parsedType` / `util.joinValues` (imported through the `util` namespace they would
// pull the whole namespace object into the bundle).
const literal = (value: unknown): string => (typeof value === 'string' ? `"${value}"` : typeof value === 'bigint' ? `${value}n` : String(value));
const joinValues = (values: readonly unknown[], separator: string): string => values.map(literal).join(separator);
function parsedType(data: unknown): string {
  if (typeof data === 'number') return Number.isNaN(data) ? 'nan' : 'number';
  if (typeof data !== 'object') return typeof data;
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'array';
  const proto: unknown = Object.getPrototypeOf(data);
  return proto !== Object.prototype && 'constructor' in data && typeof data.constructor === 'function' && data.constructor.name
    ? data.constructor.name
    : 'object';
}
const UNITS: Partial<Record<string, string>> = { string: 'characters', array: 'items' };

/**
 * English messages for the plugin's `zod/mini` parses (`schema.safeParse(value, { error: zodEnglish })`).
 *
 * `zod/mini` installs no locale, so without a map every issue reads "Invalid input". This is the subset of zod's
 * own English locale (`zod/locales` `en`) that the plugin's schemas can raise, worded exactly like it: the full
 * locale costs ~0.8 KB more in a game's first load, because it is shared with the lazily loaded SDK's zod and so
 * lands in the entry chunk. Passed per parse rather than with `z.config(...)`, so the plugin never changes the
 * game's global zod configuration. Messages given in a schema (`z.regex(re, 'snake_case id')`, refinements) win
 * over it; an issue it does not cover falls back to "Invalid input".
 */
export const zodEnglish: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      return `Invalid input: expected ${issue.expected}, received ${parsedType(issue.input)}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `Invalid input: expected ${literal(issue.values[0])}`
        : `Invalid option: expected one of ${joinValues(issue.values, '|')}`;
    case 'too_big':
    case 'too_small': {
      const big = issue.code === 'too_big';
      const adj = issue.exact ? 'exactly ' : issue.inclusive ? (big ? '<=' : '>=') : big ? '<' : '>';
      const unit = UNITS[issue.origin];
      const limit = String(big ? issue.maximum : issue.minimum);
      return `Too ${big ? 'big' : 'small'}: expected ${issue.origin} to ${unit ? `have ${adj}${limit} ${unit}` : `be ${adj}${limit}`}`;
    }
    case 'invalid_format':
      return issue.format === 'regex' ? `Invalid string: must match pattern ${issue.pattern}` : `Invalid ${issue.format}`;
    case 'unrecognized_keys':
      return `Unrecognized key${issue.keys.length > 1 ? 's' : ''}: ${joinValues(issue.keys, ', ')}`;
    case 'invalid_union': {
      const options: unknown = (issue as { options?: unknown }).options;
      return Array.isArray(options) && options.length
        ? `Invalid discriminator value. Expected ${options.map((o) => `'${String(o)}'`).join(' | ')}`
        : 'Invalid input';
    }
    default:
      return undefined;
  }
};
