import type { Subscription } from "rxjs";
import type { Logger } from "pino";
import { toEnvelope, type Envelope } from "../domain/events.ts";
import { loadCheckpoint, saveCheckpoint } from "../eventstore/checkpoints.ts";
import type { EventStore, RecordedEvent } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Backpressure } from "../processmanagers/backpressure.ts";
import type { Projection, ProjectionTransaction } from "./projection.ts";

const MAX_BATCH = 500;
const PROBE_AGAIN_MS = 50;

/**
 * Folds the log into a group of read models. Each batch of events and the checkpoint after it
 * commit in one transaction, so an event is applied exactly once however the process stops.
 * The projections of a group share one subscription and one transaction, so a child row (a draft)
 * never lands before its parent (its purchase order); groups with no such tie run apart.
 */
export class Projector {
  private subscription: Subscription | undefined;
  /** Events to apply, and caught-up marks: past a mark, nothing up to its position is missing. */
  private readonly queue: (RecordedEvent | { caughtUpTo: bigint })[] = [];
  private draining: Promise<void> | undefined;
  private lastApplied: bigint | undefined;
  private readonly waiters: { position: bigint; resolve: () => void }[] = [];
  private probing: Promise<void> | undefined;

  private readonly handledTypes: Set<string>;
  private readonly checkpointName: string;

  constructor(
    readonly name: string,
    private readonly store: EventStore,
    private readonly prisma: PrismaClient,
    private readonly projections: readonly Projection[],
    private readonly logger: Logger,
    private readonly options: {
      /** Held while this projector has events to apply. */
      busy?: Backpressure;
      /** Never get ahead of this projector: what this one shows, that one already shows. */
      after?: Projector;
    } = {},
  ) {
    this.checkpointName = `projection:${name}`;
    this.handledTypes = new Set(projections.flatMap((p) => Object.keys(p.handlers)));
  }

  async start(): Promise<void> {
    this.lastApplied = await loadCheckpoint(this.prisma, this.checkpointName);
    const filter = { eventTypePrefixes: [...this.handledTypes] };
    this.subscription = this.store.subscribeToAll({ fromPosition: this.lastApplied, filter }).subscribe({
      next: (message) => {
        if (message.kind === "caughtUp" && message.position === undefined) return;
        this.queue.push(message.kind === "event" ? message.event : { caughtUpTo: message.position! });
        if (!this.draining) {
          this.options.busy?.begin();
          this.draining = this.drain().finally(() => {
            this.draining = undefined;
            this.options.busy?.end();
            this.probeSoon();
          });
        }
      },
      error: (error: unknown) => this.logger.error({ err: error }, "projector subscription failed"),
    });
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.queue.length = 0;
    await this.draining;
  }

  /** Resolves once every event up to `position` is in the read models. */
  waitFor(position: bigint): Promise<void> {
    if (this.lastApplied !== undefined && this.lastApplied >= position) return Promise.resolve();
    const reached = new Promise<void>((resolve) => this.waiters.push({ position, resolve }));
    this.probeSoon();
    return reached;
  }

  /**
   * A subscription that reads only this projector's event types learns of later positions from
   * caught-up marks; where the store sends those only now and then (EventStoreDB), an idle
   * projector asks the log instead: if none of its events lies between what it applied and what is
   * waited for, it is there already.
   */
  private probeSoon() {
    if (this.probing || this.draining || this.queue.length > 0 || this.waiters.length === 0 || !this.subscription) return;
    this.probing = this.probe()
      .catch((error: unknown) => this.logger.warn({ err: error, projector: this.name }, "could not read ahead in the log; waiting for events instead"))
      .finally(() => {
        this.probing = undefined;
        // Still waited on: an event of ours was on its way, or one arrived during the read. Look again.
        if (this.waiters.length > 0) setTimeout(() => this.probeSoon(), PROBE_AGAIN_MS).unref();
      });
  }

  private async probe() {
    const target = this.waiters.reduce((max, w) => (w.position > max ? w.position : max), this.waiters[0]!.position);
    const applied = this.lastApplied;
    // From a position the store gave (EventStoreDB takes no other), that event itself left out.
    const ahead = await this.store.readAll({ fromPosition: applied, maxCount: 2, filter: { eventTypePrefixes: [...this.handledTypes] } });
    const next = ahead.find((event) => applied === undefined || event.position > applied);
    if (this.draining || this.queue.length > 0 || this.lastApplied !== applied) return;
    if (next === undefined || next.position > target) this.markApplied(target);
  }

  /** Empties every read model and its checkpoint, then replays the whole log. */
  async rebuild(): Promise<void> {
    await this.stop();
    await this.prisma.$transaction(async (tx) => {
      for (const projection of [...this.projections].reverse()) await projection.reset(tx);
      await tx.checkpoint.deleteMany({ where: { subscriber: this.checkpointName } });
    });
    await this.start();
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (!head) break;
      if ("caughtUpTo" in head) {
        this.queue.shift();
        this.markApplied(head.caughtUpTo);
        continue;
      }
      const end = this.queue.findIndex((item, index) => index >= MAX_BATCH || "caughtUpTo" in item);
      const batch = this.queue.splice(0, end === -1 ? this.queue.length : end) as RecordedEvent[];
      await this.options.after?.waitFor(batch.at(-1)!.position);
      try {
        // Events no projection here handles only move the checkpoint: no need to validate them.
        await this.apply(batch.filter((event) => this.handledTypes.has(event.type)).map(toEnvelope), batch.at(-1)!.position);
      } catch (error) {
        // Skipping an event would leave the read models wrong for good; stop and say where.
        this.logger.error({ err: error, position: batch[0]?.position }, "projection failed; projector stopped");
        this.subscription?.unsubscribe();
        this.queue.length = 0;
        return;
      }
      this.markApplied(batch.at(-1)!.position);
    }
  }

  private markApplied(position: bigint) {
    if (this.lastApplied === undefined || position > this.lastApplied) this.lastApplied = position;
    this.releaseWaiters();
  }

  private async apply(batch: Envelope[], lastPosition: bigint): Promise<void> {
    await this.prisma.$transaction(
      async (tx) => {
        for (const envelope of batch) {
          for (const projection of this.projections) await applyOne(projection, tx, envelope);
        }
        await saveCheckpoint(tx, this.checkpointName, lastPosition);
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
