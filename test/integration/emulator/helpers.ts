import { once } from 'node:events';
import { tool } from '@openai/agents-realtime';
import { afterAll, beforeAll } from 'vitest';
import { WebSocket } from 'ws';
import { z } from 'zod';
import type { Persona } from '../../../plugin/shared/personaSchema.js';
import { loadPersonas } from '../../../server/personas/loadPersonas.js';
import { startTestServer, type TestServer } from '../../support/testServer.js';

/** Anything that emits events a test waits for (a RealtimeSession or a raw-event collector). */
export interface EventSource<T> {
  on(event: string, listener: (value: T) => void): unknown;
  off(event: string, listener: (value: T) => void): unknown;
}

/** Resolves with the first `event` emission matching `predicate`; rejects after `timeoutMs` naming what it waited for. */
export function waitFor<T>(source: EventSource<T>, event: string, predicate: (value: T) => boolean = () => true, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      source.off(event, listener);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${event}`));
    }, timeoutMs);
    const listener = (value: T): void => {
      let matched = false;
      try {
        matched = predicate(value);
      } catch {
        matched = false;
      }
      if (!matched) return;
      clearTimeout(timer);
      source.off(event, listener);
      resolve(value);
    };
    source.on(event, listener);
  });
}

/** A server event as a test sees it. */
export type WireEvent = Record<string, unknown> & { type: string };

/** A raw WebSocket client that records every server event and can wait for one. */
export class RawClient {
  readonly events: WireEvent[] = [];
  private readonly waiters = new Set<{ predicate: (e: WireEvent) => boolean; resolve: (e: WireEvent) => void }>();
  private cursor = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const event = JSON.parse(String(data)) as WireEvent;
      this.events.push(event);
      for (const waiter of [...this.waiters]) {
        if (waiter.predicate(event)) {
          this.waiters.delete(waiter);
          waiter.resolve(event);
        }
      }
    });
  }

  /** Opens a socket; resolves once open. */
  static async connect(
    url: string,
    options: { headers?: Record<string, string>; protocols?: string[]; localAddress?: string; autoPong?: boolean } = {},
  ): Promise<RawClient> {
    const ws = new WebSocket(url, options.protocols ?? [], {
      headers: options.headers ?? {},
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      ...(options.autoPong === false ? { autoPong: false } : {}),
    });
    const client = new RawClient(ws);
    await once(ws, 'open');
    return client;
  }

  /** Sends one client event as JSON (or a raw string as is). */
  send(event: Record<string, unknown> | string): void {
    this.ws.send(typeof event === 'string' ? event : JSON.stringify(event));
  }

  /** Waits for the next event (not yet consumed by an earlier `next`) matching `predicate`. */
  next(predicate: (e: WireEvent) => boolean, timeoutMs = 10_000): Promise<WireEvent> {
    for (let i = this.cursor; i < this.events.length; i++) {
      const event = this.events[i] as WireEvent;
      if (predicate(event)) {
        this.cursor = i + 1;
        return Promise.resolve(event);
      }
    }
    return new Promise<WireEvent>((resolve, reject) => {
      const waiter = {
        predicate,
        resolve: (e: WireEvent) => {
          clearTimeout(timer);
          this.cursor = this.events.length;
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms; last events: ${this.events.slice(-5).map((e) => e.type).join(', ')}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Waits for the next event of `type`. */
  nextOfType(type: string, timeoutMs?: number): Promise<WireEvent> {
    return this.next((e) => e.type === type, timeoutMs);
  }

  /** Closes the socket and waits for the close. */
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = once(this.ws, 'close');
    this.ws.close();
    await closed;
  }
}

/** Minimal view of a RealtimeSession's emitter (its listeners take several arguments). */
export interface MultiArgEmitter {
  on(event: never, listener: never): unknown;
  off(event: never, listener: never): unknown;
}

/** Resolves with the arguments of the next `event` of a RealtimeSession whose arguments match `predicate`. */
export function nextSessionEvent(
  session: MultiArgEmitter,
  event: string,
  predicate: (args: unknown[]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<unknown[]> {
  const source: EventSource<unknown[]> = {
    on: (name, listener) => session.on(name as never, ((...args: unknown[]) => listener(args)) as never),
    off: () => undefined,
  };
  let done = false;
  return waitFor<unknown[]>(source, event, (args) => !done && predicate(args), timeoutMs).then((args) => {
    // RealtimeSession listeners are wrapped above, so they are retired by this flag instead of off().
    done = true;
    return args;
  });
}

/** Opens a WebSocket the server refuses before the upgrade; resolves with the HTTP status, headers and JSON body. */
export async function refusedUpgrade(
  url: string,
  options: { headers?: Record<string, string>; localAddress?: string },
): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  const ws = new WebSocket(url, { headers: options.headers ?? {}, ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
  ws.on('error', () => undefined);
  type Response = { statusCode: number; headers: Record<string, unknown>; on: (e: string, l: (c: Buffer) => void) => void };
  const [, response] = (await once(ws, 'unexpected-response')) as [unknown, Response];
  const text = await new Promise<string>((resolve) => {
    let body = '';
    response.on('data', (c) => (body += String(c)));
    response.on('end', () => resolve(body));
  });
  ws.terminate();
  return { status: response.statusCode, headers: response.headers, body: JSON.parse(text) as unknown };
}

/** What most emulator suites share: a test server on a real port and the blacksmith persona as designers wrote it. */
export interface EmulatorFixture {
  server: TestServer;
  blacksmith: Persona;
}

/** Starts a test server (and reads the blacksmith persona) before the file's tests, and closes it after them. */
export function useEmulatorFixture(): EmulatorFixture {
  const fixture = {} as EmulatorFixture;
  beforeAll(async () => {
    fixture.server = await startTestServer();
    fixture.blacksmith = (await loadPersonas()).get('blacksmith') as Persona;
  });
  afterAll(async () => {
    await fixture.server?.close();
  });
  return fixture;
}

/** The blacksmith's `give_item` tool as a game defines it for the Agents SDK; every call's arguments go to `calls`. */
export function giveItemTool(calls: unknown[]) {
  return tool({
    name: 'give_item',
    description: 'Give an item to the player',
    parameters: z.object({ item: z.string() }),
    execute: async (args) => {
      calls.push(args);
      return { item: args.item, ok: true };
    },
  });
}
