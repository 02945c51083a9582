// Rehearsing a bad connection (issue 12 item 9): added latency, jitter, a bandwidth cap and a forced disconnect, per
// session (`?netem=` on the Realtime URL) or server-wide (`NPC_VOICE_NETEM`). The schedule is seeded, so the same
// spec and the same traffic give the same delays. TCP (the WebSocket transport) never loses a message, so there is no
// drop rate here: a lost packet shows as a late one, which `jitter` covers.

/** A parsed network-conditions spec. */
export interface NetworkConditions {
  /** One-way delay added to every message, each direction (ms). */
  latencyMs: number;
  /** Uniform ± spread around the latency (ms); messages stay in order, as on TCP. */
  jitterMs: number;
  /** Bandwidth of each direction (kilobits per second); null: unlimited. */
  kbps: number | null;
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
  disconnect: { max: 86_400_000, min: 1 },
  seed: { max: 2 ** 31 - 1, min: 0 },
} as const;
type Field = keyof typeof FIELDS;

/** The spec's grammar, for error messages and docs. */
export const NETWORK_CONDITIONS_SYNTAX = 'latency=<ms>,jitter=<ms>,kbps=<kbit/s>,disconnect=<ms>,seed=<int> (any subset)';

/**
 * Parses `latency=200,jitter=50,kbps=256,disconnect=30000,seed=7` (any subset, any order; `;` also separates).
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
    if (raw === '' || !Number.isInteger(value) || value < min || value > max) {
      throw new NetworkConditionsError(field, `netem: "${field}" must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    seen.set(field, value);
  }
  if (seen.size === 0) throw new NetworkConditionsError('netem', `netem: empty spec; expected ${NETWORK_CONDITIONS_SYNTAX}`);
  const latencyMs = seen.get('latency') ?? 0;
  const jitterMs = seen.get('jitter') ?? 0;
  if (jitterMs > latencyMs) {
    throw new NetworkConditionsError('jitter', `netem: "jitter" (${jitterMs}) must not exceed "latency" (${latencyMs})`);
  }
  return { latencyMs, jitterMs, kbps: seen.get('kbps') ?? null, disconnectAfterMs: seen.get('disconnect') ?? null, seed: seen.get('seed') ?? 1 };
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
    /** Which direction (0: server → client, 1: client → server): each gets its own jitter sequence. */
    direction: 0 | 1,
  ) {
    this.random = prng(conditions.seed * 2 + direction);
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
    direction: 0 | 1,
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
