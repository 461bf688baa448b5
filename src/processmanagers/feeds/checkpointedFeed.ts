import type { Logger } from "pino";
import type { Subscription } from "rxjs";
import { advanceCheckpoint, CheckpointMovedError, loadCheckpoint } from "../../consumers/checkpoints.ts";
import { followLog } from "../../consumers/followLog.ts";
import type { LeaseSettings } from "../../consumers/lease.ts";
import { LeasedTurn } from "../../consumers/leasedTurn.ts";
import type { EventStore, SubscriptionFilter } from "../../eventstore/port.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { EventFeed, Handle } from "./feed.ts";

type Delivered = { position: bigint; done: boolean };

export type CheckpointedFeedDependencies = {
  store: EventStore;
  prisma: PrismaClient;
  logger: Logger;
  /** With several processes on one database, only the holder of the processor's lease takes events. */
  lease?: { databaseUrl: string; settings?: LeaseSettings };
};

const REDELIVER_AFTER_MS = 1_000;
/**
 * Checkpoint writes wait this long, so a run of handled events moves it once. A crash redelivers at
 * most this much more, which costs nothing: every command's ids derive from its event.
 */
const SAVE_EVERY_MS = 100;

/**
 * One process's catch-up subscription from a checkpoint kept in the database. The checkpoint moves
 * only past events that are fully handled, in log order, by compare-and-set, so a crash redelivers
 * and never skips, and a second instance that got in anyway stops instead of doubling the work.
 */
export class CheckpointedFeed implements EventFeed {
  private subscription: Subscription | undefined;
  private readonly turn: LeasedTurn | undefined;
  private handle: Handle | undefined;
  /** Handled up to here, in log order. */
  private position: bigint | undefined;
  /** Saved up to here: what the next compare-and-set expects. */
  private saved: bigint | undefined;
  private lastDelivered: bigint | undefined;
  private readonly delivered: Delivered[] = [];
  private saving: Promise<void> = Promise.resolve();
  private saveQueued = false;
  private state: "stopped" | "standby" | "active" = "stopped";

  constructor(
    private readonly name: string,
    private readonly deps: CheckpointedFeedDependencies,
    private readonly filter: SubscriptionFilter,
  ) {
    const { lease } = deps;
    this.turn =
      lease &&
      new LeasedTurn({
        ...lease,
        name: this.checkpointName,
        logger: deps.logger,
        activate: () => this.activate(),
        deactivate: async () => this.standBy(),
      });
  }

  /** The lease is being given up: take no more events; those in hand finish in the runner. */
  private standBy() {
    if (this.state === "active") this.state = "standby";
    this.unsubscribe();
  }

  private get checkpointName() {
    return `processor:${this.name}`;
  }

  checkpoint() {
    return this.position;
  }

  start(handle: Handle): void {
    if (this.state !== "stopped") return;
    this.handle = handle;
    this.state = this.turn ? "standby" : "active";
    if (this.turn) this.turn.start();
    else
      void this.activate().catch((error: unknown) =>
        this.deps.logger.error({ err: error, processor: this.name }, "processor could not start"),
      );
  }

  stop(): void {
    this.state = "stopped";
    if (this.turn) void this.turn.stop();
    else this.unsubscribe();
  }

  flush(): Promise<void> {
    return this.saving;
  }

  private async activate(): Promise<void> {
    this.position = this.saved = await loadCheckpoint(this.deps.prisma, this.checkpointName);
    this.lastDelivered = this.position;
    this.delivered.length = 0;
    if (this.state === "stopped" || (this.turn && !this.turn.holding)) return;
    this.state = "active";
    this.subscription = followLog(
      this.deps.store,
      { consumer: this.checkpointName, after: () => this.lastDelivered, filter: this.filter },
      this.deps.logger,
    ).subscribe({
      next: (message) => {
        if (message.kind !== "event") return;
        const { event } = message;
        if (this.lastDelivered !== undefined && event.position <= this.lastDelivered) return;
        this.lastDelivered = event.position;
        const entry: Delivered = { position: event.position, done: false };
        this.delivered.push(entry);
        this.deliver(event, entry);
      },
    });
  }

  /** Work that could not even be parked (the database down) is handed over again after a pause, never dropped. */
  private deliver(event: Parameters<Handle>[0], entry: Delivered) {
    this.handle!(event).then(
      () => {
        entry.done = true;
        this.advance();
      },
      (error: unknown) => {
        this.deps.logger.error({ err: error, processor: this.name, position: event.position }, "event not handled; handing it over again");
        setTimeout(() => {
          if (this.state === "active" && this.delivered.includes(entry)) this.deliver(event, entry);
        }, REDELIVER_AFTER_MS).unref();
      },
    );
  }

  private unsubscribe() {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  private advance() {
    let moved = false;
    while (this.delivered[0]?.done) {
      this.position = this.delivered.shift()!.position;
      moved = true;
    }
    if (moved) this.saveSoon();
  }

  /** Checkpoint writes are coalesced: at most one in flight, always saving the newest position. */
  private saveSoon() {
    if (this.saveQueued) return;
    this.saveQueued = true;
    this.saving = this.saving.then(async () => {
      await new Promise((resolve) => setTimeout(resolve, SAVE_EVERY_MS));
      this.saveQueued = false;
      const position = this.position;
      if (position === undefined || position === this.saved || this.state !== "active") return;
      try {
        await advanceCheckpoint(this.deps.prisma, this.checkpointName, this.saved, position);
        this.saved = position;
      } catch (error) {
        if (error instanceof CheckpointMovedError) return this.turn?.handOver(error.message);
        this.deps.logger.warn(
          { err: error, processor: this.name },
          "checkpoint not saved; events after the last saved one will be redelivered",
        );
      }
    });
  }
}
