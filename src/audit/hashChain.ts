import type { Logger } from "pino";
import type { Subscription } from "rxjs";
import { advanceCheckpoint, CheckpointMovedError, loadCheckpoint, lockConsumer } from "../consumers/checkpoints.ts";
import { followLog } from "../consumers/followLog.ts";
import { LeasedTurn } from "../consumers/leasedTurn.ts";
import type { EventStore, RecordedEvent } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { chainHash } from "./eventHash.ts";

export const HASH_CHAIN_CONSUMER = "audit:hash-chain";
const MAX_BATCH = 2_000;
const RESTART_MS = 1_000;

/**
 * Keeps the log's hash chain: follows the settled log in position order (a late commit is never
 * skipped, so the chain has no holes that later fill) and writes each event's chained hash beside
 * it, batch and checkpoint in one transaction. Nothing in the append path waits for it, so appends to
 * different streams still commit in parallel; on EventStoreDB it keeps the chain in Postgres the same
 * way. One instance runs per database: the holder of its lease.
 */
export class HashChain {
  private readonly turn: LeasedTurn;
  private subscription: Subscription | undefined;
  private readonly queue: RecordedEvent[] = [];
  private draining: Promise<void> | undefined;
  private checkpoint: bigint | undefined;
  private last: Buffer | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private active = false;

  constructor(
    private readonly store: EventStore,
    private readonly prisma: PrismaClient,
    private readonly logger: Logger,
    databaseUrl: string,
  ) {
    this.turn = new LeasedTurn({
      databaseUrl,
      name: HASH_CHAIN_CONSUMER,
      logger,
      activate: () => this.activate(),
      deactivate: () => this.deactivate(),
    });
  }

  start(): void {
    this.turn.start();
  }

  stop(): Promise<void> {
    return this.turn.stop();
  }

  private async activate(): Promise<void> {
    this.active = true;
    this.checkpoint = await loadCheckpoint(this.prisma, HASH_CHAIN_CONSUMER);
    this.last = undefined;
    if (this.checkpoint !== undefined) {
      const row = await this.prisma.eventHash.findUnique({ where: { position: this.checkpoint } });
      if (!row) throw new Error(`the hash chain's checkpoint ${this.checkpoint} has no hash: the chain table was altered`);
      this.last = Buffer.from(row.hash);
    }
    let delivered = this.checkpoint;
    this.subscription = followLog(this.store, { consumer: HASH_CHAIN_CONSUMER, after: () => delivered }, this.logger).subscribe({
      next: (message) => {
        if (message.kind !== "event") return;
        delivered = message.event.position;
        this.queue.push(message.event);
        this.draining ??= this.drain().finally(() => (this.draining = undefined));
      },
    });
  }

  private async deactivate(): Promise<void> {
    this.active = false;
    clearTimeout(this.restartTimer);
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.queue.length = 0;
    await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && this.active) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.write(batch);
      } catch (error) {
        if (error instanceof CheckpointMovedError) return this.turn.handOver(error.message);
        return this.restartAfter(error);
      }
    }
  }

  private async write(batch: RecordedEvent[]): Promise<void> {
    let previous = this.last;
    const hashes = batch.map((event) => (previous = chainHash(previous, event)).toString("hex"));
    const last = batch.at(-1)!.position;
    await this.prisma.$transaction(async (tx) => {
      await lockConsumer(tx, HASH_CHAIN_CONSUMER);
      await tx.$executeRawUnsafe(
        `insert into event_hash (position, hash) select p, decode(h, 'hex') from unnest($1::bigint[], $2::text[]) as v(p, h)`,
        batch.map((event) => event.position.toString()),
        hashes,
      );
      await advanceCheckpoint(tx, HASH_CHAIN_CONSUMER, this.checkpoint, last);
    });
    this.checkpoint = last;
    this.last = previous;
  }

  /** The database failed under it: start again from the checkpoint after a pause. */
  private restartAfter(error: unknown): void {
    this.logger.error({ err: error, consumer: HASH_CHAIN_CONSUMER }, "could not write the hash chain; resubscribing from its checkpoint");
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    this.queue.length = 0;
    this.restartTimer = setTimeout(() => {
      if (!this.active) return;
      void this.activate().catch((next: unknown) => this.restartAfter(next));
    }, RESTART_MS);
    this.restartTimer.unref();
  }
}
