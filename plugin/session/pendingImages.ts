import type { NpcSessionError } from '../errors.js';

/** A picture for the NPC (`binding.show()`) and the promise its sender waits on. */
export interface PendingImage {
  /** A `data:image/jpeg;base64,…` (or PNG) URL. */
  image: string;
  triggerResponse: boolean;
  resolve(): void;
  reject(error: NpcSessionError): void;
}

/**
 * Pictures waiting for the connection (or a persona update) before they can be sent, oldest first. Each is settled
 * exactly once: sent, or rejected when the session closes or gives up connecting.
 */
export class PendingImages {
  private readonly queue: PendingImage[] = [];

  /** How many wait. */
  get size(): number {
    return this.queue.length;
  }

  /** Queues `image`; the returned promise settles when it is sent (or refused). */
  add(image: string, triggerResponse: boolean, send?: (pending: PendingImage) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending: PendingImage = { image, triggerResponse, resolve, reject };
      if (send) send(pending);
      else this.queue.push(pending);
    });
  }

  /** Removes and returns every waiting picture, oldest first. */
  take(): PendingImage[] {
    return this.queue.splice(0);
  }

  /** Rejects every waiting picture with `error`. */
  rejectAll(error: NpcSessionError): void {
    for (const pending of this.take()) pending.reject(error);
  }
}
