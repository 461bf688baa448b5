import { recordQuarantineSkipped } from "../application/quarantineSkips.ts";
import type { Clock } from "../clock.ts";
import { leaseHolders } from "../consumers/lease.ts";
import { lockConsumer } from "../consumers/checkpoints.ts";
import { quarantineCounts } from "../consumers/quarantine.ts";
import { decodeEvent } from "../eventlog/decodeEvent.ts";
import { NotFound } from "../errors.ts";
import type { EventStore } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { ProjectionTransaction } from "./projection.ts";
import type { Projector } from "./projector.ts";

/** What operators see of the projectors and do with their quarantines, from whichever process they ask. */
export class ProjectionOperations {
  constructor(
    private readonly projectors: readonly Projector[],
    private readonly deps: { prisma: PrismaClient; store: EventStore; clock: Clock },
  ) {}

  async status() {
    const names = this.projectors.map((projector) => projector.checkpointName);
    const [checkpoints, holders, counts, head] = await Promise.all([
      this.deps.prisma.checkpoint.findMany({ where: { subscriber: { in: names } } }),
      leaseHolders((sql, params) => this.deps.prisma.$queryRawUnsafe(sql, ...params), names),
      quarantineCounts(this.deps.prisma),
      this.deps.store.headPosition(),
    ]);
    const applied = await Promise.all(this.projectors.map((projector) => projector.appliedThroughNow()));
    return this.projectors.map((projector, index) => {
      const local = projector.status();
      const checkpoint = checkpoints.find((row) => row.subscriber === projector.checkpointName)?.position;
      const quarantine = counts.get(projector.checkpointName) ?? { events: 0, correlations: 0 };
      return {
        name: projector.name,
        /** This process's instance: active (it holds the lease), standby, or stopped. */
        state: local.state,
        heldBy: holders.find((holder) => holder.name === projector.checkpointName)?.holder ?? null,
        checkpoint: checkpoint?.toString() ?? null,
        appliedThrough: applied[index]?.toString() ?? null,
        headPosition: head?.toString() ?? null,
        quarantinedEvents: quarantine.events,
        quarantinedPurchaseOrders: quarantine.correlations,
        lastError: local.lastError ?? null,
      };
    });
  }

  /**
   * Applies a PO's quarantined events again, in order, in one transaction (after the cause was
   * fixed); they leave the quarantine only if every one of them applies. The projector's next event
   * of that PO finds the quarantine gone and applies as usual, in whichever process holds it.
   */
  async retry(name: string, purchaseOrderId: string) {
    const projector = this.projector(name);
    const applied = await this.deps.prisma.$transaction(
      async (tx) => {
        const rows = await this.takeQuarantined(tx, projector, purchaseOrderId);
        const envelopes = [];
        for (const row of rows) {
          const [event] = await this.deps.store.readAll({ fromPosition: row.position, maxCount: 1 });
          if (!event || event.position !== row.position) throw new Error(`event at position ${row.position} is no longer in the log`);
          envelopes.push(decodeEvent(event));
        }
        await projector.applyEvents(tx, envelopes);
        return rows.length;
      },
      { maxWait: 30_000, timeout: 120_000 },
    );
    if (applied === 0) throw new NotFound("Quarantined purchase order", purchaseOrderId);
    return { projector: name, purchaseOrderId, applied };
  }

  /** Gives up on a PO's quarantined events, and says so in its stage log. */
  async skip(name: string, purchaseOrderId: string, operator: string) {
    const projector = this.projector(name);
    const skipped = await this.deps.prisma.$transaction((tx) => this.takeQuarantined(tx, projector, purchaseOrderId));
    if (skipped.length === 0) throw new NotFound("Quarantined purchase order", purchaseOrderId);
    await recordQuarantineSkipped(this.deps, { consumer: projector.checkpointName, purchaseOrderId, events: skipped, operator });
    return { projector: name, purchaseOrderId, skipped: skipped.length };
  }

  /** A PO's quarantined events of a projector, oldest first, out of the quarantine once the transaction commits. */
  private async takeQuarantined(tx: ProjectionTransaction, projector: Projector, correlationId: string) {
    await lockConsumer(tx, projector.checkpointName);
    const where = { consumer: projector.checkpointName, correlationId };
    const rows = await tx.quarantinedEvent.findMany({ where, orderBy: { position: "asc" } });
    await tx.quarantinedEvent.deleteMany({ where });
    return rows;
  }

  private projector(name: string): Projector {
    const projector = this.projectors.find((candidate) => candidate.name === name);
    if (!projector) throw new NotFound("Projector", name);
    return projector;
  }
}
