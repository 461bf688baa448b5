import type { Subscription } from "rxjs";
import type { Logger } from "pino";
import { toEnvelope, type Envelope } from "../domain/events.ts";
import { loadCheckpoint, saveCheckpoint } from "../eventstore/checkpoints.ts";
import type { EventStore, RecordedEvent } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Projection, ProjectionTransaction } from "./projection.ts";

export const READ_MODELS_CHECKPOINT = "projection:read-models";
const MAX_BATCH = 500;

/**
 * Folds the log into the read models. Each batch of events and the checkpoint after it commit in
 * one transaction, so an event is applied exactly once however the process stops.
 * All projections share one subscription and one transaction so a child row (a draft) never
 * lands before its parent (its purchase order).
 */
export class Projector {
  private subscription: Subscription | undefined;
  private readonly queue: RecordedEvent[] = [];
  private draining: Promise<void> | undefined;
  private lastApplied: bigint | undefined;
  private readonly waiters: { position: bigint; resolve: () => void }[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly prisma: PrismaClient,
    private readonly projections: readonly Projection[],
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.lastApplied = await loadCheckpoint(this.prisma, READ_MODELS_CHECKPOINT);
    this.subscription = this.store.subscribeToAll({ fromPosition: this.lastApplied }).subscribe({
      next: (message) => {
        if (message.kind !== "event") return;
        this.queue.push(message.event);
        this.draining ??= this.drain().finally(() => (this.draining = undefined));
      },
      error: (error: unknown) => this.logger.error({ err: error }, "projector subscription failed"),
    });
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.queue.length = 0;
    await this.draining;
  }

  /** Resolves once every event up to `position` is in the read models. */
  waitFor(position: bigint): Promise<void> {
    if (this.lastApplied !== undefined && this.lastApplied >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  /** Empties every read model and its checkpoint, then replays the whole log. */
  async rebuild(): Promise<void> {
    await this.stop();
    await this.prisma.$transaction(async (tx) => {
      for (const projection of [...this.projections].reverse()) await projection.reset(tx);
      await tx.checkpoint.deleteMany({ where: { subscriber: READ_MODELS_CHECKPOINT } });
    });
    await this.start();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.apply(batch.map(toEnvelope));
      } catch (error) {
        // Skipping an event would leave the read models wrong for good; stop and say where.
        this.logger.error({ err: error, position: batch[0]?.position }, "projection failed; projector stopped");
        this.subscription?.unsubscribe();
        this.queue.length = 0;
        return;
      }
      this.lastApplied = batch.at(-1)!.position;
      this.releaseWaiters();
    }
  }

  private async apply(batch: Envelope[]): Promise<void> {
    await this.prisma.$transaction(
      async (tx) => {
        for (const envelope of batch) {
          for (const projection of this.projections) await applyOne(projection, tx, envelope);
        }
        await saveCheckpoint(tx, READ_MODELS_CHECKPOINT, batch.at(-1)!.position);
      },
      { maxWait: 30_000, timeout: 120_000 },
    );
  }

  private releaseWaiters(): void {
    const applied = this.lastApplied;
    if (applied === undefined) return;
    for (const waiter of this.waiters.filter((w) => w.position <= applied)) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }
}

function applyOne(projection: Projection, tx: ProjectionTransaction, envelope: Envelope): Promise<unknown> | undefined {
  const handler = projection.handlers[envelope.event.type] as
    | ((tx: ProjectionTransaction, envelope: Envelope) => Promise<unknown>)
    | undefined;
  return handler?.(tx, envelope);
}
