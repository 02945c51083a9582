/** What the policy knows about one NPC on a frame. */
export interface LiveCandidate {
  readonly id: string;
  /** Distance from the player (px). */
  readonly distancePx: number;
  /** The persona's hearing radius (px). */
  readonly hearingRadiusPx: number;
  /** Whether its session is connected or connecting now. */
  readonly live: boolean;
  /** The game named it with `talkTo()`, or it is mid-conversation (speaking, answering, receiving the mic). */
  readonly engaged: boolean;
}

/** Which sessions to open and close this frame. */
export interface LiveDecision {
  readonly open: readonly string[];
  readonly close: readonly string[];
}

/** Options of a {@link LivePolicy}. */
export interface LivePolicyOptions {
  /** At most this many sessions live at once. */
  maxLive: number;
  /** A session nobody has talked to for this long is closed. */
  idleTimeoutMs: number;
}

/**
 * Decides which NPCs should have a live session: those in hearing range or engaged, minus those idle for
 * `idleTimeoutMs`, at most `maxLive`, the least recently active closing first. Pure apart from its activity
 * clock, which the caller drives with `nowMs` (testable with fake timers).
 *
 * @example
 * const policy = new LivePolicy({ maxLive: 3, idleTimeoutMs: 60_000 });
 * const { open, close } = policy.decide(candidates, performance.now());
 */
export class LivePolicy {
  private readonly lastActiveMs = new Map<string, number>();
  private readonly inRange = new Set<string>();

  constructor(private options: LivePolicyOptions) {}

  /** Changes the limits (takes effect on the next decision). */
  configure(options: Partial<LivePolicyOptions>): void {
    this.options = { ...this.options, ...options };
  }

  /** Records conversation activity (speech, text, a tool call): it postpones the idle close. */
  touch(id: string, nowMs: number): void {
    this.lastActiveMs.set(id, nowMs);
  }

  /** Forgets an NPC (its binding was destroyed). */
  forget(id: string): void {
    this.lastActiveMs.delete(id);
    this.inRange.delete(id);
  }

  /** Last activity time of `id`, or undefined if never active. */
  lastActive(id: string): number | undefined {
    return this.lastActiveMs.get(id);
  }

  /** Computes this frame's decision. */
  decide(candidates: readonly LiveCandidate[], nowMs: number): LiveDecision {
    const wanted: LiveCandidate[] = [];
    for (const c of candidates) {
      const inRange = Number.isFinite(c.distancePx) && c.distancePx <= c.hearingRadiusPx;
      // Walking into range counts as activity, so an NPC is not born idle.
      if (inRange && !this.inRange.has(c.id)) this.touch(c.id, nowMs);
      if (inRange) this.inRange.add(c.id);
      else this.inRange.delete(c.id);
      if (c.engaged) this.touch(c.id, nowMs);
      const last = this.lastActiveMs.get(c.id) ?? Number.NEGATIVE_INFINITY;
      const idle = nowMs - last >= this.options.idleTimeoutMs;
      if (c.engaged || (inRange && !idle)) wanted.push(c);
    }
    // Engaged first, then most recently active, then nearest; the tail beyond maxLive is closed (LRU).
    wanted.sort(
      (a, b) =>
        Number(b.engaged) - Number(a.engaged) ||
        (this.lastActiveMs.get(b.id) ?? 0) - (this.lastActiveMs.get(a.id) ?? 0) ||
        a.distancePx - b.distancePx,
    );
    const keep = new Set(wanted.slice(0, Math.max(0, this.options.maxLive)).map((c) => c.id));
    const open: string[] = [];
    const close: string[] = [];
    for (const c of candidates) {
      if (keep.has(c.id) && !c.live) open.push(c.id);
      else if (!keep.has(c.id) && c.live) close.push(c.id);
    }
    return { open, close };
  }
}
