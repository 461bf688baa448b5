import type { Subscription } from "rxjs";
import type { Logger } from "pino";
import type { Clock } from "../clock.ts";
import { followLog } from "../consumers/followLog.ts";
import { decodeEvent } from "../eventlog/decodeEvent.ts";
import { optimizationEventPrefixes } from "../domain/optimization.ts";
import type { EventStore } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { ReplicateGateway } from "../integrations/replicate/replicateGateway.ts";
import type { PredictionWork } from "./predictionWork.ts";
import type { MerchantTurns } from "./merchantTurns.ts";
import type { RateLimiter } from "./rateLimiter.ts";
import { SchedulerView, type ViewItem, type ViewSnapshot } from "./schedulerView.ts";

export type SchedulerSettings = {
  /** Creates waiting for Replicate's answer at once. */
  maxInFlight: number;
  /** A prediction with no webhook this long after its creation is polled. */
  webhookGraceMs: number;
  maxPollIntervalMs: number;
  /** Past this, a prediction still not finished is cancelled and its item failed. */
  predictionDeadlineMs: number;
  /** An intent older than this with no prediction id was cut short (a crash): look it up. */
  staleIntentMs: number;
};

const CHECKPOINT = "optimization-scheduler";
const CHECKPOINT_EVERY_MS = 5_000;

export type SchedulerDependencies = {
  store: EventStore;
  prisma: PrismaClient;
  work: PredictionWork;
  gateway: ReplicateGateway;
  /** Prediction creation: REPLICATE_MAX_RPM, shared by every worker, merchants taking turns. */
  createTurns: MerchantTurns;
  /** Polls, lookups and cancels: a budget of their own, apart from creation's. */
  otherLimiter: RateLimiter;
  clock: Clock;
  logger: Logger;
  onFirstPrediction?(ms: number): void;
};

/**
 * The optimization scheduler. It wakes on events (a new job is requested within milliseconds) and
 * on the limiter's next token (a timer to exactly then), never on a fixed poll for new work.
 * Creation takes tokens from the shared limiter and items from the fair queue; results come by
 * webhook, and the poll loop is only the fallback for webhooks that never came.
 */
export class OptimizationScheduler {
  readonly view: SchedulerView;
  private subscription: Subscription | undefined;
  private running = false;
  private caughtUp = false;
  private lastApplied: bigint | undefined;
  private savedAt: bigint | undefined;
  private started: Promise<void> | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<string>();
  /** Predictions to cancel on Replicate, in the poll loop's budget. */
  private readonly toCancel: string[] = [];
  private readonly tasks = new Set<Promise<unknown>>();
  private readonly wakers = { dispatch: [] as (() => void)[], poll: [] as (() => void)[] };
  private loops: Promise<void>[] = [];
  private stopping = new AbortController();

  constructor(
    private readonly deps: SchedulerDependencies,
    private readonly settings: SchedulerSettings,
  ) {
    this.view = new SchedulerView({ webhookGraceMs: settings.webhookGraceMs });
  }

  get inFlightCount() {
    return this.inFlight.size;
  }

  /** Reads on from the checkpoint: the view as of a position, then the events after it. */
  start(): void {
    this.running = true;
    this.stopping = new AbortController();
    this.started = this.resume().catch((error: unknown) =>
      this.deps.logger.error({ err: error }, "optimization scheduler could not start"),
    );
  }

  private async resume(): Promise<void> {
    const checkpoint = await this.deps.prisma.schedulerCheckpoint.findUnique({ where: { consumer: CHECKPOINT } });
    if (checkpoint) {
      this.view.restore(checkpoint.view as ViewSnapshot);
      this.lastApplied = this.savedAt = checkpoint.position;
    }
    if (!this.running) return;
    this.subscribe();
    this.checkpointTimer = setInterval(() => void this.saveCheckpoint(), CHECKPOINT_EVERY_MS);
    this.checkpointTimer.unref();
  }

  private subscribe(): void {
    const filter = { eventTypePrefixes: optimizationEventPrefixes };
    // A failed subscription resubscribes after the last event the view took: none is applied twice.
    this.subscription = followLog(
      this.deps.store,
      { consumer: CHECKPOINT, after: () => this.lastApplied, filter },
      this.deps.logger,
    ).subscribe({
      next: (message) => {
        if (message.kind === "caughtUp") {
          this.caughtUp = true;
          this.wake("poll");
          return;
        }
        this.lastApplied = message.event.position;
        let envelope;
        try {
          envelope = decodeEvent(message.event);
        } catch (error) {
          // A bad event must not take the process down; the job's read model (the optimization projector) quarantines it visibly.
          this.deps.logger.error(
            { err: error, position: message.event.position },
            "optimization scheduler left out an event it cannot decode",
          );
          return;
        }
        if (envelope.event.type === "PredictionCreated") {
          const createdAt = this.view.awaitingFirst.get(envelope.event.data.jobId);
          if (createdAt !== undefined) this.deps.onFirstPrediction?.(envelope.created.getTime() - createdAt);
        }
        // Live cancellations only: on a replay at start, those predictions ended long ago.
        if (this.caughtUp) this.toCancel.push(...this.view.predictionsCancelledBy(envelope));
        if (this.view.apply(envelope) === "work") this.wake("dispatch");
        this.wake("poll");
      },
    });
    this.loops = [this.dispatchLoop(), this.pollLoop()];
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    await this.started;
    clearInterval(this.checkpointTimer);
    this.subscription?.unsubscribe();
    this.wake("dispatch");
    this.wake("poll");
    await Promise.all(this.loops);
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
    await this.saveCheckpoint();
  }

  /** Saved now and then and at stop; it only moves forward, whichever worker saves it. */
  private async saveCheckpoint(): Promise<void> {
    const position = this.lastApplied;
    if (position === undefined || position === this.savedAt) return;
    const view = JSON.stringify(this.view.snapshot());
    try {
      await this.deps.prisma.$executeRawUnsafe(
        `INSERT INTO "SchedulerCheckpoint" (consumer, position, view, "savedAt") VALUES ($1, $2, $3::jsonb, now())
         ON CONFLICT (consumer) DO UPDATE SET position = EXCLUDED.position, view = EXCLUDED.view, "savedAt" = EXCLUDED."savedAt"
         WHERE "SchedulerCheckpoint".position < EXCLUDED.position`,
        CHECKPOINT,
        position,
        view,
      );
      this.savedAt = position;
    } catch (error) {
      this.deps.logger.warn({ err: error }, "optimization scheduler checkpoint not saved; the next start reads from the one before");
    }
  }

  private wake(loop: "dispatch" | "poll") {
    for (const resolve of this.wakers[loop].splice(0)) resolve();
  }

  /** Until woken, or `ms` passed (a token, a backoff falling due); timers never outlive a stop. */
  private pause(loop: "dispatch" | "poll", ms?: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakers[loop].push(done);
    });
  }

  private now = () => this.deps.clock.now().getTime();

  private async dispatchLoop() {
    while (this.running) {
      try {
        // The item first, then its merchant's turn at the limiter: a token is never taken for nothing.
        const item = this.inFlight.size < this.settings.maxInFlight ? this.view.nextReady(this.now()) : undefined;
        if (!item) {
          const due = this.view.nextDueMs();
          await this.pause("dispatch", due === undefined ? undefined : due - this.now());
          continue;
        }
        try {
          await this.deps.createTurns.take(item.merchantId, this.stopping.signal);
        } catch (error) {
          this.view.putBack(item.itemId);
          throw error;
        }
        this.track(item, () => this.deps.work.request(item, item.merchantId));
      } catch (error) {
        if (!this.running) break;
        this.deps.logger.error({ err: error }, "optimization dispatch failed; trying again shortly");
        await this.pause("dispatch", 1_000);
      }
    }
  }

  private track(item: ViewItem, run: () => Promise<unknown>) {
    this.inFlight.add(item.itemId);
    const task = run()
      .catch((error: unknown) =>
        this.deps.logger.warn({ err: error, jobId: item.jobId, itemId: item.itemId }, "optimization item work failed; it will be retried"),
      )
      .finally(() => {
        this.inFlight.delete(item.itemId);
        this.tasks.delete(task);
        this.wake("dispatch");
      });
    this.tasks.add(task);
  }

  /** The fallback: polls what webhooks should have reported, settles cut-short intents. */
  private async pollLoop() {
    while (this.running) {
      try {
        if (this.toCancel.length > 0) {
          const token = await this.deps.otherLimiter.tryAcquire();
          if (!token.granted) {
            await this.pause("poll", token.waitMs);
            continue;
          }
          const predictionId = this.toCancel.shift()!;
          await this.deps.gateway
            .cancel(predictionId)
            .catch((error: unknown) => this.deps.logger.warn({ err: error, predictionId }, "prediction not cancelled on Replicate"));
          continue;
        }
        const next = this.caughtUp ? this.nextPoll() : undefined;
        if (!next || next.at > this.now()) {
          await this.pause("poll", next ? next.at - this.now() : undefined);
          continue;
        }
        const token = await this.deps.otherLimiter.tryAcquire();
        if (!token.granted) {
          await this.pause("poll", token.waitMs);
          continue;
        }
        await this.pollOne(next.item);
      } catch (error) {
        this.deps.logger.warn({ err: error }, "optimization poll failed; trying again later");
        await this.pause("poll", 1_000);
      }
    }
  }

  private nextPoll(): { item: ViewItem; at: number } | undefined {
    let next: { item: ViewItem; at: number } | undefined;
    for (const item of this.view.items.values()) {
      if (this.inFlight.has(item.itemId)) continue;
      const at =
        item.status === "processing"
          ? item.nextPollMs
          : item.status === "requested"
            ? item.requestedAtMs + this.settings.staleIntentMs
            : undefined;
      if (at !== undefined && (!next || at < next.at)) next = { item, at };
    }
    return next;
  }

  private async pollOne(item: ViewItem) {
    const { work, gateway } = this.deps;
    const ref = { jobId: item.jobId, itemId: item.itemId };
    this.inFlight.add(item.itemId);
    try {
      if (item.status === "requested") {
        item.requestedAtMs = this.now();
        await work.reconcile(ref, item.merchantId, new Date(item.requestedAtMs - this.settings.staleIntentMs));
        return;
      }
      item.polls++;
      item.nextPollMs = this.now() + Math.min(this.settings.maxPollIntervalMs, this.settings.webhookGraceMs * 2 ** item.polls);
      const prediction = await gateway.get(item.predictionId!);
      if (prediction.status !== "starting" && prediction.status !== "processing") {
        await work.settle(ref, item.merchantId, prediction);
      } else if (this.now() - item.predictionCreatedMs > this.settings.predictionDeadlineMs) {
        await gateway.cancel(prediction.id).catch(() => undefined);
        const minutes = Math.round(this.settings.predictionDeadlineMs / 60_000);
        await work.fail(ref, item.merchantId, `no result from Replicate within ${minutes} min (still ${prediction.status}); cancelled`);
      }
    } finally {
      this.inFlight.delete(item.itemId);
    }
  }
}
