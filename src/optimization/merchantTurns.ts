import { FairQueue } from "./fairQueue.ts";
import type { Acquired, RateLimiter } from "./rateLimiter.ts";

type Waiter = { resolve(): void; reject(error: unknown): void };

/**
 * Merchants take turns at a shared limiter: whoever waits for a request in this process queues
 * under their merchant, and each grant goes to the next merchant by deficit round robin. So a
 * merchant with fifty scans to read, or a thousand images to optimize, cannot starve another
 * merchant's single request, whichever kind of Replicate work each is waiting with.
 */
export class MerchantTurns {
  private readonly waiting = new FairQueue<Waiter>();
  private pumping = false;

  constructor(readonly limiter: RateLimiter) {}

  /** Resolves when the limiter grants this merchant a request; rejects if `signal` aborts first. */
  take(merchantId: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener("abort", abandon);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener("abort", abandon);
          reject(error);
        },
      };
      const abandon = () => {
        this.waiting.removeWhere((w) => w === waiter);
        reject(signal!.reason);
      };
      signal?.addEventListener("abort", abandon, { once: true });
      this.waiting.push(merchantId, waiter);
      void this.pump();
    });
  }

  /** This merchant's view of the limiter, for callers that take a `RateLimiter`: each grant waits its turn. */
  for(merchantId: string): RateLimiter {
    const { limiter } = this;
    return {
      name: limiter.name,
      maxPerMinute: limiter.maxPerMinute,
      tryAcquire: async (): Promise<Acquired> => {
        await this.take(merchantId);
        return { granted: true };
      },
      holdFor: (ms) => limiter.holdFor(ms),
      stats: () => limiter.stats(),
    };
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.waiting.size > 0) {
        let token: Acquired;
        try {
          token = await this.limiter.tryAcquire();
        } catch (error) {
          // The limiter's database is unreachable: the next in line hears it, and its caller retries.
          this.waiting.shift()?.reject(error);
          continue;
        }
        if (token.granted) this.waiting.shift()?.resolve();
        else await new Promise((resolve) => setTimeout(resolve, token.waitMs));
      }
    } finally {
      this.pumping = false;
    }
  }
}
