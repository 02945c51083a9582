// Rehearsing a bad connection (issue 12 item 9): added latency, jitter, a bandwidth cap and a forced disconnect, per
// session (`?netem=` on the Realtime URL) or server-wide (`NPC_VOICE_NETEM`). The schedule is seeded, so the same
// spec and the same traffic give the same delays. TCP (the WebSocket transport) and the reliable data channel never
// lose a message, so there a lost packet shows as a late one, which `jitter` covers; `drop` loses WebRTC media frames
// (RTP is not retransmitted), which the receiver's jitter buffer conceals.

import { protocolError, type ProtocolError } from '../realtime/protocolErrors.js';

/** A parsed network-conditions spec. */
export interface NetworkConditions {
  /** One-way delay added to every message, each direction (ms). */
  latencyMs: number;
  /** Uniform ± spread around the latency (ms); messages stay in order, as on TCP. */
  jitterMs: number;
  /** Bandwidth of each direction (kilobits per second); null: unlimited. */
  kbps: number | null;
  /** Share of WebRTC media frames lost, each direction (percent, 0–100). */
  dropPercent: number;
  /** The connection is dropped (no close handshake) this long after it opened (ms); null: never. */
  disconnectAfterMs: number | null;
  /** Seed of the jitter schedule. */
  seed: number;
}

/** A spec that cannot be parsed; `field` names the part that is wrong. */
export class NetworkConditionsError extends Error {
  override readonly name = 'NetworkConditionsError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const FIELDS = {
  latency: { max: 10_000, min: 0 },
  jitter: { max: 10_000, min: 0 },
  kbps: { max: 10_000_000, min: 1 },
  drop: { max: 100, min: 0 },
  disconnect: { max: 86_400_000, min: 1 },
  seed: { max: 2 ** 31 - 1, min: 0 },
} as const;
type Field = keyof typeof FIELDS;

/** The spec's grammar, for error messages and docs. */
export const NETWORK_CONDITIONS_SYNTAX = 'latency=<ms>,jitter=<ms>,kbps=<kbit/s>,drop=<percent>,disconnect=<ms>,seed=<int> (any subset)';

/** Fields that take a fraction (`drop=0.5`); the others are whole numbers. */
const FRACTIONAL: ReadonlySet<Field> = new Set(['drop']);

/**
 * Parses `latency=200,jitter=50,kbps=256,drop=2,disconnect=30000,seed=7` (any subset, any order; `;` also separates).
 * @throws NetworkConditionsError naming the field that is unknown, repeated or out of range.
 */
export function parseNetworkConditions(spec: string): NetworkConditions {
  const seen = new Map<Field, number>();
  for (const part of spec.split(/[,;]/).map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (!(name in FIELDS)) {
      throw new NetworkConditionsError(name, `netem: unknown field "${name}"; expected ${NETWORK_CONDITIONS_SYNTAX}`);
    }
    const field = name as Field;
    if (seen.has(field)) throw new NetworkConditionsError(field, `netem: "${field}" is given twice`);
    const raw = eq < 0 ? '' : part.slice(eq + 1).trim();
    const value = Number(raw);
    const { min, max } = FIELDS[field];
    const whole = !FRACTIONAL.has(field);
    if (raw === '' || !Number.isFinite(value) || (whole && !Number.isInteger(value)) || value < min || value > max) {
      const kind = whole ? 'an integer' : 'a number';
      throw new NetworkConditionsError(field, `netem: "${field}" must be ${kind} from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    seen.set(field, value);
  }
  if (seen.size === 0) throw new NetworkConditionsError('netem', `netem: empty spec; expected ${NETWORK_CONDITIONS_SYNTAX}`);
  const latencyMs = seen.get('latency') ?? 0;
  const jitterMs = seen.get('jitter') ?? 0;
  if (jitterMs > latencyMs) {
    throw new NetworkConditionsError('jitter', `netem: "jitter" (${jitterMs}) must not exceed "latency" (${latencyMs})`);
  }
  return { latencyMs, jitterMs, kbps: seen.get('kbps') ?? null, dropPercent: seen.get('drop') ?? 0, disconnectAfterMs: seen.get('disconnect') ?? null, seed: seen.get('seed') ?? 1 };
}

/**
 * Reads a session's `?netem=` query value: null when absent, the conditions, or the HTTP 400 error naming the field
 * (`invalid_netem`, param `netem.<field>`) that the WebSocket upgrade and the calls endpoint both answer with.
 */
export function netemParam(spec: string | null | undefined): { ok: true; netem: NetworkConditions | null } | { ok: false; error: ProtocolError } {
  if (spec === null || spec === undefined) return { ok: true, netem: null };
  try {
    return { ok: true, netem: parseNetworkConditions(spec) };
  } catch (error) {
    if (!(error instanceof NetworkConditionsError)) throw error;
    return { ok: false, error: protocolError('invalid_netem', error.message, { param: `netem.${error.field}` }) };
  }
}

/** mulberry32: a small seeded PRNG in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The streams a session's conditions apply to; each has a jitter (and loss) sequence of its own. */
export const LINK = { serverToClient: 0, clientToServer: 1, mediaOut: 2, mediaIn: 3 } as const;
export type LinkId = (typeof LINK)[keyof typeof LINK];

/**
 * The delivery schedule of one direction: when each message arrives, given when it was sent and its size. In order
 * (a message never overtakes the one before it), serialized at `kbps`, then delayed by latency ± jitter.
 */
export class LinkSchedule {
  private readonly random: () => number;
  private linkFreeAtMs = Number.NEGATIVE_INFINITY;
  private lastArrivalMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly conditions: NetworkConditions,
    /** Which stream: each gets its own jitter sequence (see {@link LINK}). */
    direction: LinkId,
  ) {
    this.random = prng(conditions.seed * 4 + direction);
  }

  /** When a message of `bytes` sent at `sentAtMs` arrives (ms, same clock). */
  arrival(sentAtMs: number, bytes: number): number {
    const { latencyMs, jitterMs, kbps } = this.conditions;
    const sendStart = Math.max(sentAtMs, this.linkFreeAtMs);
    this.linkFreeAtMs = kbps === null ? sendStart : sendStart + (bytes * 8) / kbps;
    const delay = latencyMs + jitterMs * (2 * this.random() - 1);
    this.lastArrivalMs = Math.max(this.lastArrivalMs, this.linkFreeAtMs + delay);
    return this.lastArrivalMs;
  }
}

/**
 * Delivers items after the delays of a {@link LinkSchedule}, in order, on timers. `close()` drops what is in flight
 * (the connection is gone).
 */
export class DelayLine<T> {
  private readonly schedule: LinkSchedule;
  private readonly pending: { at: number; item: T }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    conditions: NetworkConditions,
    direction: LinkId,
    private readonly deliver: (item: T) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.schedule = new LinkSchedule(conditions, direction);
  }

  /** Sends `item` of `bytes` down the line. */
  push(item: T, bytes: number): void {
    if (this.closed) return;
    this.pending.push({ at: this.schedule.arrival(this.now(), bytes), item });
    this.arm();
  }

  /** Drops everything in flight; later pushes are ignored. */
  close(): void {
    this.closed = true;
    this.pending.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer || this.pending.length === 0) return;
    const first = this.pending[0] as { at: number };
    this.timer = setTimeout(this.flush, Math.max(0, first.at - this.now()));
  }

  private readonly flush = (): void => {
    this.timer = null;
    const now = this.now();
    while (!this.closed && this.pending.length > 0 && (this.pending[0] as { at: number }).at <= now + 1) {
      this.deliver((this.pending.shift() as { item: T }).item);
    }
    this.arm();
  };
}

/**
 * Decides which media frames of one direction are lost (`drop` percent), from its own seeded sequence, so the same
 * spec loses the same frames.
 */
export class FrameLoss {
  private readonly random: () => number;

  constructor(
    private readonly conditions: NetworkConditions,
    direction: LinkId,
  ) {
    this.random = prng(conditions.seed * 4 + direction + 0x51ed);
  }

  /** Whether the next frame is lost. */
  lost(): boolean {
    return this.conditions.dropPercent > 0 && this.random() * 100 < this.conditions.dropPercent;
  }
}

/**
 * One media direction under the conditions: frames are lost at the drop rate, and the rest arrive after latency ±
 * jitter, in order (a jitter buffer reorders RTP anyway). No bandwidth cap: voice is ~32 kbit/s.
 */
export class MediaLink<T> {
  private readonly loss: FrameLoss;
  private readonly line: DelayLine<T> | null;
  /** Frames lost so far (diagnostics, tests). */
  lostFrames = 0;
  /** Frames pushed so far, lost or not. */
  frames = 0;

  constructor(conditions: NetworkConditions, direction: LinkId, private readonly deliver: (frame: T) => void) {
    this.loss = new FrameLoss(conditions, direction);
    const delayed = conditions.latencyMs > 0 || conditions.jitterMs > 0;
    this.line = delayed ? new DelayLine<T>({ ...conditions, kbps: null }, direction, deliver) : null;
  }

  /** Sends one frame down the link. */
  push(frame: T): void {
    this.frames++;
    if (this.loss.lost()) {
      this.lostFrames++;
      return;
    }
    if (this.line) this.line.push(frame, 0);
    else this.deliver(frame);
  }

  /** Drops what is in flight. */
  close(): void {
    this.line?.close();
  }
}
