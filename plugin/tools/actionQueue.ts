/**
 * Queue of game mutations requested by tools (`ctx.act(fn)`). Tools run in socket callbacks, at arbitrary times;
 * the plugin applies their mutations at one known point of the frame (its UPDATE handler, before positions are
 * read), so game code never sees state change in the middle of its own update.
 */
export class ActionQueue {
  private pending: Array<{ run: () => void; reject: (err: unknown) => void }> = [];
  private closed = false;

  /** Queues `fn`; the promise settles with its result after the next `flush()`. Rejects once the queue is closed. */
  enqueue<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the NPC voice plugin has shut down; the action was dropped'));
    return new Promise<T>((resolve, reject) => {
      this.pending.push({
        run: () => {
          try {
            resolve(fn());
          } catch (err) {
            reject(err);
          }
        },
        reject,
      });
    });
  }

  /** Runs the queued actions in order. Actions queued while flushing wait for the next flush. */
  flush(): number {
    const batch = this.pending;
    this.pending = [];
    for (const action of batch) action.run();
    return batch.length;
  }

  /** Number of actions waiting. */
  get size(): number {
    return this.pending.length;
  }

  /** Rejects what is queued and refuses new actions until `reopen()`. Idempotent. */
  close(reason = 'the NPC voice plugin has shut down; the action was dropped'): void {
    this.closed = true;
    const batch = this.pending;
    this.pending = [];
    for (const action of batch) action.reject(new Error(reason));
  }

  /** Accepts actions again (a scene restarted). */
  reopen(): void {
    this.closed = false;
  }
}
