import { Inventory, type Item } from './inventory.js';
import type { VillageActions, VillageView } from './tools.js';

/**
 * The village's game state, independent of Phaser: the player's bag, the gate, the player's position. Tools read it
 * through `view()` and change it through `actions` (inside `ctx.act`); the scene draws it.
 */
export class VillageState {
  readonly inventory = new Inventory();
  /** The player's world position (px); the scene keeps it current, the voice plugin listens from here. */
  readonly player = { x: 0, y: 0 };
  private gate = false;
  private readonly gateListeners = new Set<() => void>();

  get gateOpen(): boolean {
    return this.gate;
  }

  /** Opens the north gate (once); the scene swaps the tiles. */
  openGate(): void {
    if (this.gate) return;
    this.gate = true;
    for (const fn of this.gateListeners) fn();
  }

  /** How many listeners wait for the gate (the scene adds one per run and removes it on shutdown). */
  get gateListenerCount(): number {
    return this.gateListeners.size;
  }

  onGateOpen(fn: () => void): () => void {
    this.gateListeners.add(fn);
    return () => this.gateListeners.delete(fn);
  }

  /** The read-only view tools see as `ctx.game`. */
  view(): VillageView {
    return { inventory: this.inventory.list(), gateOpen: this.gate };
  }

  /** The mutations tools may request. */
  readonly actions: VillageActions = {
    giveItem: (item: Item) => this.inventory.add(item),
    openGate: () => this.openGate(),
  };
}
