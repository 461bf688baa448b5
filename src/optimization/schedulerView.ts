import type { Envelope } from "../domain/events.ts";
import { FairQueue } from "./fairQueue.ts";

export type ViewItem = {
  jobId: string;
  itemId: string;
  merchantId: string;
  status: "pending" | "requested" | "processing";
  /** Not to be requested before (a retry's backoff). */
  retryAtMs: number;
  requestedAtMs: number;
  predictionId: string | null;
  /** When to poll next if no webhook has come: a missed webhook's fallback. */
  nextPollMs: number;
  polls: number;
  predictionCreatedMs: number;
};

export type ViewSettings = { webhookGraceMs: number };

export type ViewSnapshot = { items: ViewItem[]; jobs: [string, string[]][]; awaitingFirst: [string, number][] };

/**
 * The scheduler's picture of the unfinished items, folded from the optimization events: a fair
 * queue (DRR per merchant) of the pending ones, the backed-off ones aside until due, and the ones
 * in flight on Replicate with when to poll them. Folded from the log, from the scheduler's last
 * checkpoint (a snapshot of this view and its position) on, so it is never lost.
 */
export class SchedulerView {
  readonly items = new Map<string, ViewItem>();
  private readonly byJob = new Map<string, Set<string>>();
  private readonly queue = new FairQueue<string>();
  private readonly delayed = new Set<string>();
  private readonly pendingByMerchant = new Map<string, number>();
  /** Jobs whose first prediction is not created yet, with when they were created. */
  readonly awaitingFirst = new Map<string, number>();

  constructor(private readonly settings: ViewSettings) {}

  apply({ event, created }: Envelope): "work" | "done" | undefined {
    const at = created.getTime();
    switch (event.type) {
      case "OptimizationJobCreated": {
        const { jobId, merchantId, items } = event.data;
        this.awaitingFirst.set(jobId, at);
        this.byJob.set(jobId, new Set(items.map((i) => i.itemId)));
        for (const { itemId } of items) {
          this.items.set(itemId, {
            jobId,
            itemId,
            merchantId,
            status: "pending",
            retryAtMs: 0,
            requestedAtMs: 0,
            predictionId: null,
            nextPollMs: 0,
            polls: 0,
            predictionCreatedMs: 0,
          });
          this.enqueue(itemId, merchantId);
        }
        return "work";
      }
      case "PredictionRequested":
        return this.update(event.data.itemId, { status: "requested", requestedAtMs: at });
      case "PredictionRequestFailed": {
        const item = this.items.get(event.data.itemId);
        if (!item || event.data.retryAt === null) return undefined;
        Object.assign(item, { status: "pending", retryAtMs: Date.parse(event.data.retryAt) });
        this.enqueue(item.itemId, item.merchantId);
        return "work";
      }
      case "PredictionCreated":
        this.awaitingFirst.delete(event.data.jobId);
        return this.update(event.data.itemId, {
          status: "processing",
          predictionId: event.data.predictionId,
          predictionCreatedMs: at,
          nextPollMs: at + this.settings.webhookGraceMs,
          polls: 0,
        });
      case "PredictionSucceeded":
      case "OptimizationItemSucceeded":
      case "OptimizationItemFailed":
      case "OptimizationItemCancelled":
        this.forget(event.data.itemId);
        return "done";
      case "OptimizationJobCancelled":
      case "OptimizationJobCompleted":
        for (const itemId of this.byJob.get(event.data.jobId) ?? []) this.forget(itemId);
        this.byJob.delete(event.data.jobId);
        this.awaitingFirst.delete(event.data.jobId);
        return "done";
      default:
        return undefined;
    }
  }

  /** Predictions running on Replicate for items this event cancels: not worth paying for any more. */
  predictionsCancelledBy({ event }: Envelope): string[] {
    const itemIds =
      event.type === "OptimizationJobCancelled"
        ? [...(this.byJob.get(event.data.jobId) ?? [])]
        : event.type === "OptimizationItemCancelled"
          ? [event.data.itemId]
          : [];
    return itemIds.flatMap((itemId) => {
      const item = this.items.get(itemId);
      return item?.status === "processing" && item.predictionId ? [item.predictionId] : [];
    });
  }

  /** An item taken by `nextReady` but not requested after all: due again at once. */
  putBack(itemId: string): void {
    if (this.items.has(itemId)) this.delayed.add(itemId);
  }

  /** The next item to request by DRR among those due, or undefined. */
  nextReady(nowMs: number): ViewItem | undefined {
    for (const itemId of this.delayed) {
      const item = this.items.get(itemId);
      if (!item || item.retryAtMs <= nowMs) {
        this.delayed.delete(itemId);
        if (item) this.queue.push(item.merchantId, itemId);
      }
    }
    for (;;) {
      const itemId = this.queue.shift();
      if (itemId === undefined) return undefined;
      const item = this.items.get(itemId);
      // Entries are dropped lazily: claimed by another worker, finished or cancelled since queued.
      if (item?.status !== "pending") continue;
      if (item.retryAtMs > nowMs) {
        this.delayed.add(itemId);
        continue;
      }
      return item;
    }
  }

  /** When the earliest backed-off item falls due, if any is waiting. */
  nextDueMs(): number | undefined {
    let due: number | undefined;
    for (const itemId of this.delayed) {
      const at = this.items.get(itemId)?.retryAtMs;
      if (at !== undefined && (due === undefined || at < due)) due = at;
    }
    return due;
  }

  /** The unfinished work, for the scheduler's checkpoint: what `restore` rebuilds the view from. */
  snapshot(): ViewSnapshot {
    return {
      items: [...this.items.values()],
      jobs: [...this.byJob].map(([jobId, itemIds]) => [jobId, [...itemIds]]),
      awaitingFirst: [...this.awaitingFirst],
    };
  }

  restore(snapshot: ViewSnapshot): void {
    for (const [jobId, itemIds] of snapshot.jobs) this.byJob.set(jobId, new Set(itemIds));
    for (const [jobId, at] of snapshot.awaitingFirst) this.awaitingFirst.set(jobId, at);
    for (const item of snapshot.items) {
      this.items.set(item.itemId, { ...item });
      if (item.status === "pending") this.enqueue(item.itemId, item.merchantId);
    }
  }

  get hasQueued(): boolean {
    return this.queue.size > 0 || this.delayed.size > 0;
  }

  /** Pending items per merchant (queued or backed off). */
  pending(): Map<string, number> {
    return new Map([...this.pendingByMerchant].filter(([, n]) => n > 0));
  }

  private enqueue(itemId: string, merchantId: string) {
    this.queue.push(merchantId, itemId);
    this.count(merchantId, +1);
  }

  private update(itemId: string, change: Partial<ViewItem>): undefined {
    const item = this.items.get(itemId);
    if (!item) return undefined;
    if (item.status === "pending" && change.status && change.status !== "pending") this.count(item.merchantId, -1);
    Object.assign(item, change);
    return undefined;
  }

  private forget(itemId: string) {
    const item = this.items.get(itemId);
    if (!item) return;
    if (item.status === "pending") this.count(item.merchantId, -1);
    this.items.delete(itemId);
    this.delayed.delete(itemId);
  }

  private count(merchantId: string, delta: number) {
    const n = (this.pendingByMerchant.get(merchantId) ?? 0) + delta;
    if (n > 0) this.pendingByMerchant.set(merchantId, n);
    else this.pendingByMerchant.delete(merchantId);
  }
}
