import type { PrismaClient } from "../generated/prisma/client.ts";
import { MerchantTurns } from "./merchantTurns.ts";
import { SharedRateLimiter, type RateLimiter } from "./rateLimiter.ts";

export type ReplicateBudgetSettings = { maxRPM: number; maxOtherRPM: number };

/**
 * Replicate's two budgets, built once per process for every Replicate caller (image optimization,
 * the AI parser, enrichment): the limiters' rows are shared by every worker process, and creations, the scarce
 * budget, go to merchants in turns.
 */
export type ReplicateBudget = { create: MerchantTurns; other: RateLimiter };

export const replicateBudget = (prisma: PrismaClient, settings: ReplicateBudgetSettings): ReplicateBudget => ({
  create: new MerchantTurns(new SharedRateLimiter(prisma, "replicate-create", { maxPerMinute: settings.maxRPM })),
  other: new SharedRateLimiter(prisma, "replicate-other", { maxPerMinute: settings.maxOtherRPM }),
});
