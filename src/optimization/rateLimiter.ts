import type { Clock } from "../clock.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { gcraAcquire, gcraHoldUntil, intervalUs, type GcraSettings, type GcraState } from "./gcra.ts";

export type Acquired = { granted: true } | { granted: false; waitMs: number };
export type LimiterStats = { requestsInLastMinute: number; throttledTotal: number; lastThrottledAt: Date | null };

/**
 * A requests-per-minute budget; `holdFor` is a 429's Retry-After, honoured by every requester. A
 * request may cost several units (Shopify's points): with a burst, the budget is a leaky bucket.
 */
export interface RateLimiter {
  readonly name: string;
  readonly maxPerMinute: number;
  tryAcquire(cost?: number): Promise<Acquired>;
  holdFor(ms: number): Promise<void>;
  stats(): Promise<LimiterStats>;
}

/**
 * The limiter every worker process shares: its GCRA state is one row, read and moved under
 * SELECT … FOR UPDATE (Postgres and PGlite alike), on the database's clock so that processes on
 * different machines agree on time. Each grant is also logged for `requestsInLastMinute`.
 */
export class SharedRateLimiter implements RateLimiter {
  private ensured = false;
  private grantsSincePrune = 0;

  constructor(
    private readonly prisma: PrismaClient,
    readonly name: string,
    private readonly settings: GcraSettings,
  ) {}

  get maxPerMinute() {
    return this.settings.maxPerMinute;
  }

  async tryAcquire(cost = 1): Promise<Acquired> {
    await this.ensureRow();
    const decision = await this.prisma.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ tat_us: bigint; now_ms: number }[]>`
        SELECT "tatUs" AS tat_us, (extract(epoch from clock_timestamp()) * 1000)::float8 AS now_ms
        FROM "RateLimiter" WHERE name = ${this.name} FOR UPDATE`;
      const nowMs = Number(row!.now_ms);
      const decision = gcraAcquire({ tatUs: Number(row!.tat_us) }, nowMs, this.settings, cost);
      if (!decision.granted) return decision;
      await tx.$executeRaw`UPDATE "RateLimiter" SET "tatUs" = ${BigInt(Math.round(decision.state.tatUs))}, "updatedAt" = clock_timestamp() WHERE name = ${this.name}`;
      await tx.$executeRaw`INSERT INTO "RateLimiterGrant" (limiter, "grantedAt") VALUES (${this.name}, clock_timestamp())`;
      return { granted: true } as const;
    });
    if (decision.granted && ++this.grantsSincePrune >= 500) {
      this.grantsSincePrune = 0;
      await this.prisma
        .$executeRaw`DELETE FROM "RateLimiterGrant" WHERE limiter = ${this.name} AND "grantedAt" < clock_timestamp() - interval '5 minutes'`;
    }
    return decision.granted ? { granted: true } : { granted: false, waitMs: decision.waitMs };
  }

  async holdFor(ms: number): Promise<void> {
    await this.ensureRow();
    const burstUs = (this.settings.burst ?? 0) * intervalUs(this.settings.maxPerMinute);
    await this.prisma.$executeRaw`
      UPDATE "RateLimiter" SET "tatUs" = greatest("tatUs", (extract(epoch from clock_timestamp()) * 1000000)::bigint + ${BigInt(Math.round(ms * 1000 + burstUs))}),
        "throttledCount" = "throttledCount" + 1, "throttledAt" = clock_timestamp(), "updatedAt" = clock_timestamp()
      WHERE name = ${this.name}`;
  }

  async stats(): Promise<LimiterStats> {
    await this.ensureRow();
    const [row] = await this.prisma.$queryRaw<{ recent: bigint; throttled: number; throttled_at: Date | null }[]>`
      SELECT (SELECT count(*) FROM "RateLimiterGrant" WHERE limiter = ${this.name} AND "grantedAt" > clock_timestamp() - interval '1 minute') AS recent,
        "throttledCount" AS throttled, "throttledAt" AS throttled_at
      FROM "RateLimiter" WHERE name = ${this.name}`;
    return { requestsInLastMinute: Number(row!.recent), throttledTotal: row!.throttled, lastThrottledAt: row!.throttled_at };
  }

  private async ensureRow() {
    if (this.ensured) return;
    await this.prisma
      .$executeRaw`INSERT INTO "RateLimiter" (name, "tatUs", "updatedAt") VALUES (${this.name}, 0, clock_timestamp()) ON CONFLICT (name) DO NOTHING`;
    this.ensured = true;
  }
}

/** The same limiter in memory, on any clock: for the benchmark's virtual time and unit tests. */
export class MemoryRateLimiter implements RateLimiter {
  private state: GcraState = { tatUs: 0 };
  private readonly grants: number[] = [];
  private throttled = 0;
  private lastThrottledAt: Date | null = null;

  constructor(
    readonly name: string,
    private readonly settings: GcraSettings,
    private readonly clock: Clock,
  ) {}

  get maxPerMinute() {
    return this.settings.maxPerMinute;
  }

  async tryAcquire(cost = 1): Promise<Acquired> {
    const now = this.clock.now().getTime();
    const decision = gcraAcquire(this.state, now, this.settings, cost);
    if (!decision.granted) return decision;
    this.state = decision.state;
    this.grants.push(now);
    while (this.grants.length > 0 && this.grants[0]! <= now - 60_000) this.grants.shift();
    return { granted: true };
  }

  async holdFor(ms: number): Promise<void> {
    this.state = gcraHoldUntil(this.state, this.clock.now().getTime() + ms, this.settings);
    this.throttled++;
    this.lastThrottledAt = this.clock.now();
  }

  async stats(): Promise<LimiterStats> {
    const now = this.clock.now().getTime();
    return {
      requestsInLastMinute: this.grants.filter((t) => t > now - 60_000).length,
      throttledTotal: this.throttled,
      lastThrottledAt: this.lastThrottledAt,
    };
  }
}
