import { tableGet } from "../domain/persistentTable.ts";
import type { OptimizationCommand } from "../domain/optimization.ts";
import type { Clock } from "../clock.ts";
import type { OptimizationJobs } from "../application/optimizationJobs.ts";
import {
  outputUrlOf,
  ReplicateThrottled,
  ReplicateUnavailable,
  type Prediction,
  type ReplicateGateway,
} from "../integrations/replicate/replicateGateway.ts";
import { backoffDelay } from "../processmanagers/stageExecution.ts";
import type { RateLimiter } from "./rateLimiter.ts";

export type ItemRef = { jobId: string; itemId: string };
export type WorkSettings = { maxAttempts: number; retryBaseDelayMs: number; maxRetryDelayMs: number };
export type WorkObserver = { created(merchantId: string): void; throttled(): void; failed(kind: string): void };

const TERMINAL = new Set(["succeeded", "failed", "canceled", "aborted"]);
export const isTerminal = (prediction: Prediction) => TERMINAL.has(prediction.status);

/** The tag in a prediction's webhook URL that names its item: how a lost create is found again. */
export const itemTag = (itemId: string) => `item=${itemId}`;

/**
 * What the scheduler does with Replicate for one item: claim it (record the intent), create its
 * prediction, and record what came of it; settle a prediction a webhook or a poll reports.
 */
export class PredictionWork {
  constructor(
    private readonly deps: {
      jobs: OptimizationJobs;
      gateway: ReplicateGateway;
      createLimiter: RateLimiter;
      clock: Clock;
      publicUrl(): string;
      settings: WorkSettings;
      observer: WorkObserver;
    },
  ) {}

  private execute(command: OptimizationCommand, merchantId: string) {
    return this.deps.jobs.execute(command, {
      merchantId,
      correlationId: command.data.jobId,
      causationId: command.data.jobId,
      actor: "processor:optimization-scheduler",
    });
  }

  private now = () => this.deps.clock.now().toISOString();

  webhookUrl(ref: ItemRef): string {
    return `${this.deps.publicUrl()}/webhooks/replicate?job=${ref.jobId}&${itemTag(ref.itemId)}`;
  }

  /** Returns false when another worker had claimed the item (or it is no longer pending). */
  async request(ref: ItemRef, merchantId: string): Promise<boolean> {
    const claimed = await this.execute({ type: "RequestPrediction", data: { ...ref, at: this.now() } }, merchantId);
    if (claimed.events.length === 0 || claimed.state.status === "none") return false;
    const job = claimed.state;
    const item = tableGet(job.items, ref.itemId)!;
    if (item.mayExist) {
      // An earlier create went unanswered: find what it did before creating anything.
      const found = await this.deps.gateway
        .findByTag(itemTag(ref.itemId), new Date(item.firstRequestedAt ?? this.now()))
        .catch(() => undefined);
      if (found) {
        await this.settleFound(ref, merchantId, found);
        return true;
      }
    }
    try {
      const prediction = await this.deps.gateway.create({
        prompt: job.prompt,
        imageUrl: absolute(item.sourceUrl, this.deps.publicUrl()),
        webhookUrl: this.webhookUrl(ref),
      });
      this.deps.observer.created(merchantId);
      const recorded = await this.execute(
        { type: "RecordPredictionCreated", data: { ...ref, predictionId: prediction.id, at: this.now() } },
        merchantId,
      );
      const now = recorded.state.status === "none" ? undefined : tableGet(recorded.state.items, ref.itemId);
      // Cancelled while it was being created: it must not run on for nothing.
      if (now?.status === "cancelled") await this.deps.gateway.cancel(prediction.id).catch(() => undefined);
    } catch (error) {
      await this.createFailed(ref, merchantId, item.attempts, error);
    }
    return true;
  }

  /** After a restart: an intent with no prediction id is looked up, then either recorded or retried. */
  async reconcile(ref: ItemRef, merchantId: string, since: Date): Promise<void> {
    const found = await this.deps.gateway.findByTag(itemTag(ref.itemId), since);
    if (found) return this.settleFound(ref, merchantId, found);
    await this.execute(
      {
        type: "RecordPredictionRequestFailure",
        data: { ...ref, error: "no answer to the create; no prediction found for it", outcomeUnknown: false, retryAt: this.now() },
      },
      merchantId,
    );
  }

  /** A webhook's or a poll's news about a prediction. */
  async settle(ref: ItemRef, merchantId: string, prediction: Prediction) {
    if (!isTerminal(prediction)) return;
    const status = prediction.status === "aborted" ? "canceled" : (prediction.status as "succeeded" | "failed" | "canceled");
    const error = prediction.error === undefined || prediction.error === null ? null : String(prediction.error);
    return this.execute(
      {
        type: "RecordPredictionOutcome",
        data: { ...ref, predictionId: prediction.id, status, outputUrl: outputUrlOf(prediction), error, at: this.now() },
      },
      merchantId,
    );
  }

  async fail(ref: ItemRef, merchantId: string, reason: string) {
    await this.execute({ type: "FailOptimizationItem", data: { ...ref, reason } }, merchantId);
  }

  private async settleFound(ref: ItemRef, merchantId: string, prediction: Prediction) {
    if (isTerminal(prediction)) await this.settle(ref, merchantId, prediction);
    else await this.execute({ type: "RecordPredictionCreated", data: { ...ref, predictionId: prediction.id, at: this.now() } }, merchantId);
  }

  private async createFailed(ref: ItemRef, merchantId: string, attempt: number, error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    const { settings, clock } = this.deps;
    let retryInMs: number | undefined;
    if (error instanceof ReplicateThrottled) {
      this.deps.observer.throttled();
      await this.deps.createLimiter.holdFor(error.retryAfterMs ?? 10_000);
      retryInMs = error.retryAfterMs ?? 10_000;
    } else if (error instanceof ReplicateUnavailable) {
      this.deps.observer.failed("unavailable");
      retryInMs = Math.max(error.retryAfterMs ?? 0, settings.retryBaseDelayMs + backoffDelay(settings, attempt));
    } else {
      this.deps.observer.failed("rejected");
    }
    const retryAt =
      retryInMs !== undefined && attempt < settings.maxAttempts ? new Date(clock.now().getTime() + retryInMs).toISOString() : null;
    const outcomeUnknown = error instanceof ReplicateUnavailable;
    await this.execute({ type: "RecordPredictionRequestFailure", data: { ...ref, error: message, outcomeUnknown, retryAt } }, merchantId);
  }
}

/** Images the app serves itself (the sample catalog) have relative URLs; Replicate needs absolute ones. */
export function absolute(url: string, publicUrl: string): string {
  return /^https?:\/\//.test(url) ? url : new URL(url, `${publicUrl}/`).toString();
}
