import type { Logger } from "pino";
import type { Subscription } from "rxjs";
import { loadCheckpoint, saveCheckpoint } from "../../eventstore/checkpoints.ts";
import type { EventStore, SubscriptionFilter } from "../../eventstore/port.ts";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { EventFeed, Handle } from "./feed.ts";

type Delivered = { position: bigint; done: boolean };

/**
 * One process's catch-up subscription from a checkpoint kept in the database. The checkpoint moves
 * only past events that are fully handled, in log order, so a crash redelivers and never skips.
 */
export class CheckpointedFeed implements EventFeed {
  private subscription: Subscription | undefined;
  private position: bigint | undefined;
  private lastDelivered: bigint | undefined;
  private readonly delivered: Delivered[] = [];
  private saving: Promise<void> = Promise.resolve();
  private saveQueued = false;

  private constructor(
    private readonly name: string,
    private readonly store: EventStore,
    private readonly prisma: PrismaClient,
    private readonly filter: SubscriptionFilter,
    private readonly logger: Logger,
  ) {}

  static async open(name: string, deps: { store: EventStore; prisma: PrismaClient; logger: Logger }, filter: SubscriptionFilter) {
    const feed = new CheckpointedFeed(name, deps.store, deps.prisma, filter, deps.logger);
    feed.position = await loadCheckpoint(deps.prisma, feed.checkpointName);
    return feed;
  }

  private get checkpointName() {
    return `processor:${this.name}`;
  }

  checkpoint() {
    return this.position;
  }

  start(handle: Handle): void {
    if (this.subscription) return;
    this.subscription = this.store.subscribeToAll({ fromPosition: this.lastDelivered ?? this.position, filter: this.filter }).subscribe({
      next: (message) => {
        if (message.kind !== "event") return;
        const { event } = message;
        if (this.lastDelivered !== undefined && event.position <= this.lastDelivered) return;
        this.lastDelivered = event.position;
        const entry: Delivered = { position: event.position, done: false };
        this.delivered.push(entry);
        handle(event).then(
          () => {
            entry.done = true;
            this.advance();
          },
          (error: unknown) => this.logger.error({ err: error, processor: this.name, position: event.position }, "event not handled; it comes again after a restart"),
        );
      },
      error: (error: unknown) => this.logger.error({ err: error, processor: this.name }, "processor subscription failed"),
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  flush(): Promise<void> {
    return this.saving;
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
      this.saveQueued = false;
      const position = this.position;
      if (position === undefined) return;
      await saveCheckpoint(this.prisma, this.checkpointName, position).catch((error: unknown) =>
        this.logger.warn({ err: error, processor: this.name }, "checkpoint not saved; events after the last saved one will be redelivered"),
      );
    });
  }
}
