import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import type { EventStore } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { OptimizationJobs } from "../application/optimizationJobs.ts";
import { ReplicateGateway } from "../integrations/replicate/replicateGateway.ts";
import type { Metrics } from "../metrics.ts";
import { PredictionWork, type WorkSettings } from "./predictionWork.ts";
import type { ReplicateBudget } from "./replicateBudget.ts";
import { OptimizationScheduler, type SchedulerSettings } from "./scheduler.ts";

export type OptimizationSettings = {
  token: string;
  baseUrl?: string;
  model: string;
  maxRPM: number;
  /** Polls, lookups and cancels (Replicate allows 3,000/min for calls other than creation). */
  maxOtherRPM: number;
  webhookSecret?: string;
  /** Where Replicate reaches our webhook; defaults to the address the app listens on. */
  publicUrl?: string;
  timeoutMs?: number;
  /** A queued item waiting longer than this makes the queue unhealthy. */
  queueAgeAlertMs?: number;
  scheduler?: Partial<SchedulerSettings>;
  work?: Partial<WorkSettings>;
};

export const defaultSchedulerSettings: SchedulerSettings = {
  maxInFlight: 64,
  webhookGraceMs: 30_000,
  maxPollIntervalMs: 120_000,
  predictionDeadlineMs: 15 * 60_000,
  staleIntentMs: 90_000,
};

/** Image optimization, wired: Replicate, the shared limiters, the jobs and the scheduler. */
export function createOptimization(
  settings: OptimizationSettings,
  deps: {
    store: EventStore;
    prisma: PrismaClient;
    clock: Clock;
    logger: Logger;
    metrics: Metrics;
    listeningAt(): string;
    /** The process's Replicate budgets, shared with every other Replicate caller. */
    budget: ReplicateBudget;
  },
) {
  const gateway = new ReplicateGateway({
    token: settings.token,
    baseUrl: settings.baseUrl,
    model: settings.model,
    timeoutMs: settings.timeoutMs,
  });
  const createLimiter = deps.budget.create.limiter;
  const jobs = new OptimizationJobs(deps.store);
  const publicUrl = () => (settings.publicUrl ?? deps.listeningAt()).replace(/\/$/, "");
  const { metrics } = deps;
  const work = new PredictionWork({
    jobs,
    gateway,
    createLimiter,
    clock: deps.clock,
    publicUrl,
    settings: { maxAttempts: 8, retryBaseDelayMs: 1_000, maxRetryDelayMs: 60_000, ...settings.work },
    observer: {
      created: (merchant) => metrics.predictionsCreated.inc({ merchant }),
      throttled: () => metrics.throttled.inc(),
      failed: (kind) => metrics.createFailures.inc({ kind }),
    },
  });
  const scheduler = new OptimizationScheduler(
    {
      store: deps.store,
      prisma: deps.prisma,
      work,
      gateway,
      createTurns: deps.budget.create,
      otherLimiter: deps.budget.other,
      clock: deps.clock,
      logger: deps.logger,
      onFirstPrediction: (ms) => metrics.firstPrediction.observe(ms / 1000),
    },
    { ...defaultSchedulerSettings, ...settings.scheduler },
  );
  const queueAgeAlertMs = settings.queueAgeAlertMs ?? 15 * 60_000;

  /** The limiter's and queues' state, for GET /admin/rate-limiter. */
  async function monitor() {
    const stats = await createLimiter.stats();
    const pending = scheduler.view.pending();
    const queueLength = [...pending.values()].reduce((a, b) => a + b, 0);
    const oldestWaitMs = Math.max(0, ...[...scheduler.view.awaitingFirst.values()].map((at) => deps.clock.now().getTime() - at));
    const share = pending.size === 0 ? 0 : 1 / pending.size;
    return {
      queueLength,
      inFlight: scheduler.inFlightCount,
      requestsInLastMinute: stats.requestsInLastMinute,
      maxRPM: settings.maxRPM,
      rpmUsagePercent: Math.round((stats.requestsInLastMinute / settings.maxRPM) * 1000) / 10,
      throttledTotal: stats.throttledTotal,
      lastThrottledAt: stats.lastThrottledAt?.toISOString() ?? null,
      merchants: [...pending].map(([merchantId, queued]) => ({ merchantId, queued, share })),
      health: {
        queueHealthy: oldestWaitMs < queueAgeAlertMs,
        rpmHealthy:
          stats.requestsInLastMinute <= settings.maxRPM &&
          (stats.lastThrottledAt === null || deps.clock.now().getTime() - stats.lastThrottledAt.getTime() > 60_000),
      },
    };
  }

  metrics.gauge("po_optimization_queue_length", "Pending optimization items per merchant", ["merchant"], (gauge) => {
    gauge.reset();
    for (const [merchant, queued] of scheduler.view.pending()) gauge.set({ merchant }, queued);
  });
  metrics.gauge("po_optimization_in_flight", "Prediction creates and polls under way", [], (gauge) => gauge.set(scheduler.inFlightCount));
  metrics.gauge("po_rate_limiter_requests_last_minute", "Predictions created in the last minute, all workers", [], async (gauge) =>
    gauge.set((await createLimiter.stats()).requestsInLastMinute),
  );
  metrics.gauge("po_rate_limiter_max_rpm", "The prediction creation limit", [], (gauge) => gauge.set(settings.maxRPM));

  return {
    jobs,
    work,
    scheduler,
    gateway,
    model: settings.model,
    webhookSecret: settings.webhookSecret,
    monitor,
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
  };
}
export type Optimization = ReturnType<typeof createOptimization>;
