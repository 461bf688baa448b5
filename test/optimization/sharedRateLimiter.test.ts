import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { SharedRateLimiter } from "../../src/optimization/rateLimiter.ts";
import { createTestDatabase } from "../support/database.ts";

/** Two limiters on one database stand for two worker processes (two connection pools on Postgres). */
describe("the rate limiter shared through the database", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let other: Database | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    other = database.url ? await openDatabase({ databaseUrl: database.url }) : undefined;
  });
  afterAll(async () => {
    await other?.close();
    await database.close();
  });

  const run = async (name: string, limiter: SharedRateLimiter, untilMs: number, granted: { by: string; at: number }[]) => {
    while (Date.now() < untilMs) {
      const decision = await limiter.tryAcquire();
      if (decision.granted) granted.push({ by: name, at: Date.now() });
      else await new Promise((resolve) => setTimeout(resolve, decision.waitMs));
    }
  };

  it("grants one budget between processes, evenly spaced, and counts the last minute", async () => {
    const settings = { maxPerMinute: 1200 };
    const a = new SharedRateLimiter(database.prisma, "shared-test", settings);
    const b = new SharedRateLimiter((other ?? database).prisma, "shared-test", settings);
    const granted: { by: string; at: number }[] = [];
    const until = Date.now() + 1500;
    await Promise.all([run("a", a, until, granted), run("b", b, until, granted)]);
    // 20 per second for 1.5 s, plus the first one at once: never the 60 two private budgets would give
    // (a loaded machine may get fewer, never more).
    expect(granted.length).toBeLessThanOrEqual(31);
    expect(new Set(granted.map((g) => g.by))).toEqual(new Set(["a", "b"]));
    // Evenly spaced, one every 50 ms whichever process asks: any 11 grants in a row span 500 ms (less
    // the jitter of seeing each answer arrive).
    const spans = granted.slice(10).map((g, i) => g.at - granted[i]!.at);
    expect(Math.min(...spans)).toBeGreaterThanOrEqual(420);
    expect((await a.stats()).requestsInLastMinute).toBe(granted.length);
  });

  it("holds every process back after a 429, for as long as Retry-After said", async () => {
    const a = new SharedRateLimiter(database.prisma, "held-test", { maxPerMinute: 6000 });
    const b = new SharedRateLimiter((other ?? database).prisma, "held-test", { maxPerMinute: 6000 });
    expect((await b.tryAcquire()).granted).toBe(true);
    await a.holdFor(2_000);
    const decision = await b.tryAcquire();
    expect(decision.granted).toBe(false);
    expect(decision.granted ? 0 : decision.waitMs).toBeGreaterThan(1_900);
    expect(await b.stats()).toMatchObject({ throttledTotal: 1 });
  });
});
