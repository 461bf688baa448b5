import { recordQuarantineSkipped } from "../application/quarantineSkips.ts";
import type { Clock } from "../clock.ts";
import { leaseHolders } from "../consumers/lease.ts";
import { quarantineCounts } from "../consumers/quarantine.ts";
import { NotFound } from "../errors.ts";
import type { EventStore } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
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
    return this.projectors.map((projector) => {
      const local = projector.status();
      const checkpoint = checkpoints.find((row) => row.subscriber === projector.checkpointName)?.position;
      const quarantine = counts.get(projector.checkpointName) ?? { events: 0, correlations: 0 };
      return {
        name: projector.name,
        /** This process's instance: active (it holds the lease), standby, or stopped. */
        state: local.state,
        heldBy: holders.find((holder) => holder.name === projector.checkpointName)?.holder ?? null,
        checkpoint: checkpoint?.toString() ?? null,
        headPosition: head?.toString() ?? null,
        quarantinedEvents: quarantine.events,
        quarantinedPurchaseOrders: quarantine.correlations,
        lastError: local.lastError ?? null,
      };
    });
  }

  /** Applies a PO's quarantined events again, in order; they stay quarantined unless all apply. */
  async retry(name: string, purchaseOrderId: string) {
    const applied = await this.projector(name).retryQuarantined(purchaseOrderId);
    if (applied === 0) throw new NotFound("Quarantined purchase order", purchaseOrderId);
    return { projector: name, purchaseOrderId, applied };
  }

  /** Gives up on a PO's quarantined events, and says so in its stage log. */
  async skip(name: string, purchaseOrderId: string, operator: string) {
    const projector = this.projector(name);
    const skipped = await projector.skipQuarantined(purchaseOrderId);
    if (skipped.length === 0) throw new NotFound("Quarantined purchase order", purchaseOrderId);
    await recordQuarantineSkipped(this.deps, { consumer: projector.checkpointName, purchaseOrderId, events: skipped, operator });
    return { projector: name, purchaseOrderId, skipped: skipped.length };
  }

  private projector(name: string): Projector {
    const projector = this.projectors.find((candidate) => candidate.name === name);
    if (!projector) throw new NotFound("Projector", name);
    return projector;
  }
}
