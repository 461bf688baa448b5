import type { Subscription } from "rxjs";
import type { Logger } from "pino";
import { advanceCheckpoint, CheckpointMovedError, loadCheckpoint, lockConsumer } from "../consumers/checkpoints.ts";
import { defaultFollowSettings, followLog, type FollowSettings } from "../consumers/followLog.ts";
import type { LeaseSettings } from "../consumers/lease.ts";
import { LeasedTurn } from "../consumers/leasedTurn.ts";
import { correlationOf, Quarantine } from "../consumers/quarantine.ts";
import type { Envelope } from "../domain/events.ts";
import { decodeEvent } from "../eventlog/decodeEvent.ts";
import { UndecodableEvent } from "../errors.ts";
import type { EventStore, RecordedEvent } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Backpressure } from "../processmanagers/backpressure.ts";
import { applyEvents, projectedTypes, type Projection, type ProjectionTransaction } from "./projection.ts";

const MAX_BATCH = 500;
const PROBE_AGAIN_MS = 50;
const HANDLER_ATTEMPTS = 3;

export type ProjectorOptions = {
  /** Held while this projector has events to apply. */
  busy?: Backpressure;
  /** Never get ahead of this projector: what this one shows, that one already shows. */
  after?: Projector;
  /** With several processes on one database, only the holder of this projector's lease applies events. */
  lease?: { databaseUrl: string; settings?: LeaseSettings };
  /**
   * Only follows the instance that applies the events (another thread's or process's), for
   * `waitFor`; never takes the lease.
   */
  followOnly?: boolean;
  follow?: FollowSettings;
};

export type ProjectorState = "standby" | "active" | "stopped";

export type ProjectorStatus = {
  name: string;
  state: ProjectorState;
  checkpoint: bigint | undefined;
  /** What this process knows its read models include: the checkpoint, or beyond where nothing it projects was missed. */
  appliedThrough: bigint | undefined;
  lastError?: string;
};

/**
 * Folds the log into a group of read models. Each batch of events and the checkpoint after it
 * commit in one transaction, the checkpoint by compare-and-set, so an event is applied exactly once
 * however the process stops, and a second instance that got in anyway is stopped, not doubled.
 * The projections of a group share one subscription and one transaction, so a child row (a draft)
 * never lands before its parent (its purchase order); groups with no such tie run apart.
 * An event that cannot be decoded or applied is quarantined with the later events of its PO; every
 * other PO goes on.
 */
export class Projector {
  private state: ProjectorState = "stopped";
  private readonly turn: LeasedTurn | undefined;
  private subscription: Subscription | undefined;
  /** Events to apply, and caught-up marks: past a mark, nothing up to its position is missing. */
  private readonly queue: (RecordedEvent | { caughtUpTo: bigint })[] = [];
  private draining: Promise<void> | undefined;
  /** The committed checkpoint, which the next batch's compare-and-set expects. */
  private checkpoint: bigint | undefined;
  /** What the read models include: the checkpoint, or further where caught-up marks say nothing is missing. */
  private lastApplied: bigint | undefined;
  /** Where the subscription has delivered up to, to resubscribe after a failure. */
  private delivered: bigint | undefined;
  private quarantine: Quarantine | undefined;
  private lastError: string | undefined;
  private readonly waiters: { position: bigint; resolve: () => void }[] = [];
  private probing: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarts = 0;

  private readonly handledTypes: Set<string>;
  readonly checkpointName: string;

  constructor(
    readonly name: string,
    private readonly store: EventStore,
    private readonly prisma: PrismaClient,
    private readonly projections: readonly Projection[],
    private readonly logger: Logger,
    private readonly options: ProjectorOptions = {},
  ) {
    this.checkpointName = `projection:${name}`;
    this.handledTypes = new Set(projections.flatMap(projectedTypes));
    const { lease } = options;
    this.turn =
      lease &&
      new LeasedTurn({ ...lease, name: this.checkpointName, logger, activate: () => this.activate(), deactivate: () => this.standBy() });
  }

  /** Runs now, or once this process holds the projector's lease; until then it follows the holder's checkpoint. */
  async start(): Promise<void> {
    if (this.state !== "stopped") return;
    this.state = this.turn || this.options.followOnly ? "standby" : "active";
    if (this.options.followOnly) return;
    if (!this.turn) return this.activate();
    this.turn.start();
  }

  async stop(): Promise<void> {
    this.state = "stopped";
    if (this.turn) await this.turn.stop();
    else await this.deactivate();
  }

  status(): ProjectorStatus {
    return { name: this.name, state: this.state, checkpoint: this.checkpoint, appliedThrough: this.lastApplied, lastError: this.lastError };
  }

  /**
   * How far the read models go: this instance's own mark where it applies the events, else the
   * holder's checkpoint, or the head where none of this projector's events lies past that checkpoint.
   */
  async appliedThroughNow(): Promise<bigint | undefined> {
    if (this.state === "active") return this.lastApplied;
    const head = await this.store.headPosition();
    const checkpoint = maxOf(this.lastApplied, await loadCheckpoint(this.prisma, this.checkpointName));
    const ahead = await this.store.readAll({
      fromPosition: checkpoint,
      maxCount: 2,
      filter: { eventTypePrefixes: [...this.handledTypes] },
    });
    const next = ahead.find((event) => checkpoint === undefined || event.position > checkpoint);
    return next === undefined || (head !== undefined && next.position > head) ? maxOf(checkpoint, head) : checkpoint;
  }

  /** Resolves once every event up to `position` is in the read models, whichever process applied it. */
  waitFor(position: bigint): Promise<void> {
    if (this.lastApplied !== undefined && this.lastApplied >= position) return Promise.resolve();
    const reached = new Promise<void>((resolve) => this.waiters.push({ position, resolve }));
    this.probeSoon();
    return reached;
  }

  /** Empties every read model, its checkpoint and quarantine, then replays the whole log. */
  async rebuild(): Promise<void> {
    if (this.state === "standby") throw new Error(`projector ${this.name} runs in another process; rebuild it there`);
    await this.deactivate();
    await this.prisma.$transaction(async (tx) => {
      for (const projection of [...this.projections].reverse()) await projection.reset(tx);
      await tx.checkpoint.deleteMany({ where: { subscriber: this.checkpointName } });
      await tx.quarantinedEvent.deleteMany({ where: { consumer: this.checkpointName } });
    });
    this.lastApplied = undefined;
    await this.loadCheckpoint();
    this.state = "active";
    this.subscribe();
  }

  private async activate(): Promise<void> {
    await this.loadCheckpoint();
    if (this.state === "stopped" || (this.turn && !this.turn.holding)) return;
    this.state = "active";
    this.subscribe();
  }

  private async loadCheckpoint(): Promise<void> {
    this.checkpoint = await loadCheckpoint(this.prisma, this.checkpointName);
    this.lastApplied = maxOf(this.lastApplied, this.checkpoint);
    this.delivered = this.checkpoint;
    this.quarantine = await Quarantine.load(this.prisma, this.checkpointName);
  }

  /** The lease is being given up: stop applying, and follow the holder's checkpoint meanwhile. */
  private async standBy(): Promise<void> {
    if (this.state === "active") this.state = "standby";
    await this.deactivate();
  }

  private subscribe(): void {
    const filter = { eventTypePrefixes: [...this.handledTypes] };
    this.subscription = followLog(
      this.store,
      { consumer: this.checkpointName, after: () => this.delivered, filter },
      this.logger,
      this.options.follow,
    ).subscribe({
      next: (message) => {
        if (message.kind === "caughtUp" && message.position === undefined) return;
        if (message.kind === "event") this.delivered = message.event.position;
        this.queue.push(message.kind === "event" ? message.event : { caughtUpTo: message.position! });
        this.restarts = 0;
        if (!this.draining) {
          this.options.busy?.begin();
          // Begun once this read's events are all queued: an append's events go in one transaction.
          this.draining = Promise.resolve()
            .then(() => this.drain())
            .finally(() => {
              this.draining = undefined;
              this.options.busy?.end();
              this.probeSoon();
            });
        }
      },
    });
  }

  private async deactivate(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.queue.length = 0;
    await this.draining;
  }

  /**
   * A subscription that reads only this projector's event types learns of later positions from
   * caught-up marks; where the store sends those only now and then (EventStoreDB), or where another
   * process applies the events, the projector asks the log instead: if none of its events lies
   * between what is applied and what is waited for, it is there already.
   */
  private probeSoon() {
    if (this.probing || this.draining || this.queue.length > 0 || this.waiters.length === 0 || this.state === "stopped") return;
    this.probing = this.probe()
      .catch((error: unknown) =>
        this.logger.warn({ err: error, projector: this.name }, "could not read ahead in the log; waiting for events instead"),
      )
      .finally(() => {
        this.probing = undefined;
        // Still waited on: an event of ours was on its way, or one arrived during the read. Look again.
        if (this.waiters.length > 0) setTimeout(() => this.probeSoon(), PROBE_AGAIN_MS).unref();
      });
  }

  private async probe() {
    if (this.state === "standby") this.markApplied(await loadCheckpoint(this.prisma, this.checkpointName));
    const target = this.waiters.reduce((max, w) => (w.position > max ? w.position : max), this.waiters[0]!.position);
    const applied = this.lastApplied;
    // From a position the store gave (EventStoreDB takes no other), that event itself left out.
    const ahead = await this.store.readAll({ fromPosition: applied, maxCount: 2, filter: { eventTypePrefixes: [...this.handledTypes] } });
    const next = ahead.find((event) => applied === undefined || event.position > applied);
    if (this.draining || this.queue.length > 0 || this.lastApplied !== applied) return;
    if (next === undefined || next.position > target) this.markApplied(target);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && this.state === "active") {
      const head = this.queue[0]!;
      if ("caughtUpTo" in head) {
        this.queue.shift();
        this.markApplied(head.caughtUpTo);
        continue;
      }
      const end = this.queue.findIndex((item, index) => index >= MAX_BATCH || "caughtUpTo" in item);
      const batch = this.queue.splice(0, end === -1 ? this.queue.length : end) as RecordedEvent[];
      await this.options.after?.waitFor(batch.at(-1)!.position);
      try {
        await this.applyBatch(batch).catch(async (error: unknown) => {
          if (error instanceof CheckpointMovedError) throw error;
          // One event at a time, so the one at fault is found and quarantined and the rest applied.
          for (const event of batch) await this.applyAlone(event);
        });
      } catch (error) {
        if (!(error instanceof CheckpointMovedError)) return this.restartAfter(error);
        this.lastError = error.message;
        if (this.turn) return this.turn.handOver(error.message);
        return this.halt(error.message);
      }
      this.markApplied(batch.at(-1)!.position);
    }
  }

  /** Another instance runs this projector and there is no lease to wait for: stop for good, saying so. */
  private halt(reason: string): void {
    this.lastError = reason;
    this.state = "stopped";
    this.logger.error({ projector: this.name, reason }, "projector stopped");
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.queue.length = 0;
  }

  /** The database failed under us (not an event): resubscribe from the checkpoint after a pause. */
  private restartAfter(error: unknown): void {
    this.restarts += 1;
    const pause = Math.min((this.options.follow ?? defaultFollowSettings).maxBackoffMs, 250 * 2 ** (this.restarts - 1));
    this.lastError = error instanceof Error ? error.message : String(error);
    this.logger.error(
      { err: error, projector: this.name, retryInMs: pause },
      "projector could not write; resubscribing from its checkpoint",
    );
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.queue.length = 0;
    this.restartTimer = setTimeout(() => {
      if (this.state !== "active") return;
      void this.activate().catch((next: unknown) => this.restartAfter(next));
    }, pause);
    this.restartTimer.unref();
  }

  private async applyBatch(batch: RecordedEvent[]): Promise<void> {
    const last = batch.at(-1)!.position;
    await this.transaction(async (tx) => {
      const envelopes: Envelope[] = [];
      for (const event of batch) {
        if (this.handledTypes.has(event.type) && !(await this.heldBack(tx, event))) envelopes.push(decodeEvent(event));
      }
      await this.applyEvents(tx, envelopes);
      await advanceCheckpoint(tx, this.checkpointName, this.checkpoint, last);
    });
    this.checkpoint = last;
  }

  private async applyAlone(event: RecordedEvent): Promise<void> {
    let failure: unknown;
    for (let attempt = 1; attempt <= HANDLER_ATTEMPTS; attempt++) {
      try {
        await this.transaction(async (tx) => {
          if (this.handledTypes.has(event.type) && !(await this.heldBack(tx, event))) await this.applyEvents(tx, [decodeEvent(event)]);
          await advanceCheckpoint(tx, this.checkpointName, this.checkpoint, event.position);
        });
        this.checkpoint = event.position;
        return;
      } catch (error) {
        if (error instanceof CheckpointMovedError) throw error;
        failure = error;
        // An event that does not decode fails the same way every time.
        if (error instanceof UndecodableEvent) break;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
    const reason = failure instanceof Error ? failure.message : String(failure);
    await this.transaction(async (tx) => {
      await this.quarantine!.add(tx, event, reason);
      await advanceCheckpoint(tx, this.checkpointName, this.checkpoint, event.position);
    });
    this.checkpoint = event.position;
    this.quarantine!.remember(event);
    this.logger.error(
      { projector: this.name, position: event.position, eventType: event.type, correlationId: correlationOf(event), reason },
      "event quarantined",
    );
  }

  /** A later event of a quarantined PO waits with it; the table decides, since another process may have retried it. */
  private async heldBack(tx: ProjectionTransaction, event: RecordedEvent): Promise<boolean> {
    const behind = this.quarantine!.holding(event);
    if (behind === undefined) return false;
    const stillHeld = await tx.quarantinedEvent.count({
      where: { consumer: this.checkpointName, correlationId: correlationOf(event), heldBehind: null },
    });
    if (stillHeld === 0) {
      this.quarantine!.forget(correlationOf(event));
      return false;
    }
    await this.quarantine!.add(tx, event, `held behind the quarantined event at position ${behind}`, behind);
    return true;
  }

  /** Folds events into every read model of the group, in the caller's transaction (an operator's retry of the quarantine, say). */
  applyEvents(tx: ProjectionTransaction, envelopes: readonly Envelope[]): Promise<void> {
    return applyEvents(tx, this.projections, envelopes);
  }

  private transaction(fn: (tx: ProjectionTransaction) => Promise<void>): Promise<void> {
    return this.prisma.$transaction(
      async (tx) => {
        // The read models are the log folded, and their checkpoint commits with them: a commit a server
        // crash loses takes its checkpoint along, and those events are applied again. So a batch need
        // not wait for its commit to reach the disk (the log's appends still do).
        await tx.$executeRawUnsafe("SELECT set_config('synchronous_commit', 'off', true)");
        await lockConsumer(tx, this.checkpointName);
        await fn(tx);
      },
      { maxWait: 30_000, timeout: 120_000 },
    );
  }

  private markApplied(position: bigint | undefined) {
    if (position === undefined) return;
    this.lastApplied = maxOf(this.lastApplied, position);
    this.releaseWaiters();
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

function maxOf(a: bigint | undefined, b: bigint | undefined): bigint | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}
