// Test doubles for game developers: unit-test NPC tools and conversations without a server or a browser.
import type { RealtimeTransportLayer } from '@openai/agents-realtime';
import { ScriptedRealtimeTransport } from '@openai/agents-realtime/testing';
import { NpcVoiceController } from '../core/NpcVoiceController.js';
import type { NpcSprite } from '../adapters/phaser/NpcVoicePlugin.js';
import type { NpcVoiceOptions } from '../adapters/phaser/options.js';
import type { NpcVoiceHost } from '../core/host.js';
import type { NpcBinding } from '../core/NpcBinding.js';
import { validatePersona } from '../core/options.js';
import type { Persona } from '../shared/personaSchema.js';
import { ActionQueue } from '../tools/actionQueue.js';
import type { GameTool, GameToolContext } from '../tools/defineGameTool.js';
import { runGameTool } from '../tools/runGameTool.js';
import * as realtimeSdk from '../session/realtimeSdk.js';

export { ScriptedRealtimeTransport };

/** Result of one tool call in the harness. */
export interface ToolCallResult {
  /** Exactly what the model would receive. */
  output: string;
  /** Whether the tool succeeded (a failure's output is `{"error": "…"}`). */
  ok: boolean;
  /** How many `ctx.act()` mutations ran during the call. */
  actionsApplied: number;
}

/** Options of {@link createToolHarness}. */
export interface ToolHarnessOptions<G extends object> {
  tools: readonly GameTool[];
  /** The game view tools read (`ctx.game`). */
  gameView?: () => G;
  /** The persona whose allowlist applies (defaults to allowing every tool). */
  persona?: unknown;
}

/** A harness that calls game tools like the model would. */
export interface ToolHarness {
  /**
   * Calls tool `name` with raw JSON `args`, applying its `ctx.act()` mutations as the plugin's frame would.
   * A tool the persona does not allow is refused like an unknown tool.
   */
  call(name: string, args: unknown): Promise<ToolCallResult>;
  /** The tools the persona allows. */
  readonly allowed: readonly string[];
}

/**
 * Unit-test game tools without a server: validation, the error output the model gets, and the mutations applied.
 * @throws NpcVoiceConfigError when `persona` is invalid.
 * @example
 * const h = createToolHarness({ tools: [giveItem], gameView: () => game, persona: blacksmith });
 * expect((await h.call('give_item', { item: 'sword' })).output).toBe('gave sword');
 */
export function createToolHarness<G extends object>(options: ToolHarnessOptions<G>): ToolHarness {
  const persona: Persona | null = options.persona === undefined ? null : validatePersona(options.persona, 'persona');
  const byName = new Map(options.tools.map((t) => [t.name, t]));
  const allowed = persona ? persona.tools.filter((n) => byName.has(n)) : [...byName.keys()];
  const gameView = options.gameView ?? (() => ({}) as G);
  const npc = persona ? { id: persona.id, displayName: persona.displayName } : { id: 'test', displayName: 'Test NPC' };
  return {
    allowed,
    async call(name, args) {
      const tool = byName.get(name);
      if (!tool || !allowed.includes(name)) {
        return { ok: false, output: JSON.stringify({ error: `tool "${name}" is not available to this NPC` }), actionsApplied: 0 };
      }
      const queue = new ActionQueue();
      let applied = 0;
      const ctx: GameToolContext<G> = {
        npc,
        get game() {
          return gameView();
        },
        act: (fn) => {
          const p = queue.enqueue(fn);
          // Apply at the "next frame": after the tool's current synchronous work, as the plugin would.
          queueMicrotask(() => {
            applied += queue.flush();
          });
          return p;
        },
      };
      const result = await runGameTool(tool, args, ctx);
      applied += queue.flush();
      return { ok: result.ok, output: result.output, actionsApplied: applied };
    },
  };
}

/** A plain object standing in for a sprite. */
export interface FakeSprite extends NpcSprite {
  /** Fires the sprite's DESTROY listeners, like `sprite.destroy()`. */
  destroy(): void;
}

/** Creates a sprite stand-in at (x, y). */
export function createFakeSprite(x = 0, y = 0): FakeSprite {
  let listeners: Array<{ fn: () => void; ctx: unknown }> = [];
  return {
    x,
    y,
    once(event, fn, ctx) {
      if (event === 'destroy') listeners.push({ fn, ctx });
      return this;
    },
    off(event, fn, ctx) {
      if (event === 'destroy') listeners = listeners.filter((l) => !(l.fn === fn && (ctx === undefined || l.ctx === ctx)));
      return this;
    },
    destroy() {
      const list = listeners;
      listeners = [];
      for (const l of list) l.fn.call(l.ctx);
    },
  };
}

/**
 * A host port for the core without an engine: a bound object's lifetime is its `once('destroy')` (as on
 * {@link createFakeSprite} and Phaser objects), frames are whatever the test runs with `controller.update()`, there
 * is no listener until the test passes one to `update()`, and no engine audio.
 */
export function createFakeHost(): NpcVoiceHost {
  return {
    onDestroyed(npc, gone) {
      const sprite = npc as Partial<NpcSprite>;
      if (typeof sprite.once !== 'function' || typeof sprite.off !== 'function') return () => {};
      sprite.once('destroy', gone);
      return () => sprite.off?.('destroy', gone);
    },
    onFrame: () => () => {},
    listener: () => null,
    audioOutput: () => null,
  };
}

/** A controller wired to scripted transports, for testing NPC conversations without a server. */
export interface FakeNpcVoice<G extends object> {
  readonly controller: NpcVoiceController<G>;
  /** The scripted transport of a binding (created when its session first connects). */
  transportOf(binding: NpcBinding): ScriptedRealtimeTransport | undefined;
}

/**
 * Builds the plugin core with the real SDK session logic but in-memory `ScriptedRealtimeTransport`s (from
 * `@openai/agents-realtime/testing`) instead of sockets. `mintEndpoint` still needs answering: pass a `fetch`
 * that returns a key, or use {@link fakeMintFetch}.
 * @throws NpcVoiceConfigError when an option is invalid.
 */
export function createFakeNpcVoice<G extends object>(options: NpcVoiceOptions<G>): FakeNpcVoice<G> {
  const transports = new Map<NpcBinding, ScriptedRealtimeTransport>();
  const controller = new NpcVoiceController<G>(
    { fetch: fakeMintFetch(), ...options },
    createFakeHost(),
    {
      loadSdk: () => Promise.resolve(realtimeSdk),
      createTransport: (binding): RealtimeTransportLayer => {
        const t = new ScriptedRealtimeTransport();
        transports.set(binding, t);
        return t;
      },
      gestureTarget: null,
    },
  );
  return { controller, transportOf: (b) => transports.get(b) };
}

/** A `fetch` that mints a fake `ek_` key for any persona (for {@link createFakeNpcVoice}). */
export function fakeMintFetch(model = 'gpt-realtime'): (input: string, init: RequestInit) => Promise<Response> {
  let n = 0;
  return async (_input, init) => {
    const body: unknown = typeof init.body === 'string' ? JSON.parse(init.body) : {};
    const persona = typeof body === 'object' && body !== null && 'persona' in body && typeof body.persona === 'string' ? body.persona : 'unknown';
    return new Response(
      JSON.stringify({ value: `ek_fake_${++n}`, expires_at: Math.floor(Date.now() / 1000) + 60, model, persona, url: 'ws://fake.invalid/v1/realtime' }),
      { status: 200, headers: { 'Content-Type': 'application/json' } },
    );
  };
}
