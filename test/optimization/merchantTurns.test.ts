import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.ts";
import { MerchantTurns } from "../../src/optimization/merchantTurns.ts";
import { MemoryRateLimiter, type Acquired, type RateLimiter } from "../../src/optimization/rateLimiter.ts";

const limiter = (maxPerMinute: number) => new MemoryRateLimiter("test", { maxPerMinute }, systemClock);

describe("merchants take turns at a shared limiter", () => {
  it("serves a merchant's single request on the next turn, not behind another's backlog", async () => {
    const turns = new MerchantTurns(limiter(6_000));
    const served: string[] = [];
    const waits = [
      ...Array.from({ length: 6 }, (_, i) => turns.take("big").then(() => served.push(`big-${i}`))),
      turns.take("small").then(() => served.push("small-0")),
    ];
    await Promise.all(waits);
    expect(served.indexOf("small-0")).toBeLessThanOrEqual(2);
    expect(served.filter((s) => s.startsWith("big"))).toEqual(["big-0", "big-1", "big-2", "big-3", "big-4", "big-5"]);
  });

  it("grants no more than the limiter allows", async () => {
    const inner = limiter(6_000);
    const turns = new MerchantTurns(inner);
    await Promise.all(Array.from({ length: 20 }, (_, i) => turns.take(`m-${i % 3}`)));
    expect((await inner.stats()).requestsInLastMinute).toBe(20);
  });

  it("forgets a waiter whose caller gave up, and the next in line gets the grant", async () => {
    const turns = new MerchantTurns(limiter(600));
    await turns.take("a");
    const abandoned = new AbortController();
    const gaveUp = turns.take("a", abandoned.signal);
    const waiting = turns.take("b");
    abandoned.abort(new Error("stopping"));
    await expect(gaveUp).rejects.toThrow("stopping");
    await expect(waiting).resolves.toBeUndefined();
  });

  it("hands a limiter failure to the next in line only, and goes on serving the others", async () => {
    let failures = 1;
    const flaky: RateLimiter = {
      name: "flaky",
      maxPerMinute: 60_000,
      async tryAcquire(): Promise<Acquired> {
        if (failures-- > 0) throw new Error("database unavailable");
        return { granted: true };
      },
      holdFor: async () => {},
      stats: async () => ({ requestsInLastMinute: 0, throttledTotal: 0, lastThrottledAt: null }),
    };
    const turns = new MerchantTurns(flaky);
    const results = await Promise.allSettled([turns.take("a"), turns.take("b")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled"]);
  });
});
