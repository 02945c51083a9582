/** Items the NPCs can hand out (give_item's enum). */
export const ITEMS = ['sword', 'shield', 'potion', 'herbs', 'key'] as const;
/** One item. */
export type Item = (typeof ITEMS)[number];

/** "a sword", "an apple", "some herbs". */
function withArticle(item: string): string {
  if (item.endsWith('s')) return `some ${item}`;
  return /^[aeiou]/.test(item) ? `an ${item}` : `a ${item}`;
}

/**
 * Speaks an inventory as a phrase: [] → "nothing at all", [sword] → "a sword",
 * [sword, shield] → "a sword and a shield", [a, b, c] → "a a, a b and a c".
 */
export function summarizeItems(items: readonly string[]): string {
  if (items.length === 0) return 'nothing at all';
  const words = items.map(withArticle);
  if (words.length === 1) return words[0] ?? '';
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1] ?? ''}`;
}

/** The player's bag. Changed only from tool actions (`ctx.act`) and the game itself. */
export class Inventory {
  private readonly items: Item[] = [];
  private readonly listeners = new Set<(items: readonly Item[]) => void>();

  /** The items, in the order received. */
  list(): readonly Item[] {
    return [...this.items];
  }

  has(item: Item): boolean {
    return this.items.includes(item);
  }

  /** Adds an item; returns false when the player already has it (NPCs give one of each). */
  add(item: Item): boolean {
    if (this.has(item)) return false;
    this.items.push(item);
    for (const fn of this.listeners) fn(this.list());
    return true;
  }

  /** Calls `fn` after every change; returns the unsubscribe function. */
  onChange(fn: (items: readonly Item[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
