import { derivedId } from "../application/eventIds.ts";
import type { Clock } from "../clock.ts";
import { leaseHolders } from "../consumers/lease.ts";
import { listQuarantined, quarantineCounts } from "../consumers/quarantine.ts";
import { CURRENT_SCHEMA_VERSION } from "../domain/metadata.ts";
import { workflowStream } from "../domain/workflow.ts";
import { NotFound } from "../errors.ts";
import type { EventStore } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { Projector } from "./projector.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

  async quarantined(name?: string) {
    const consumer = name === undefined ? undefined : this.projector(name).checkpointName;
    return (await listQuarantined(this.deps.prisma, consumer ? { consumer } : {})).map((row) => ({
      ...row,
      projector: row.consumer.replace(/^projection:/, ""),
      position: row.position.toString(),
      heldBehind: row.heldBehind?.toString() ?? null,
      quarantinedAt: row.quarantinedAt.toISOString(),
    }));
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
    const first = skipped[0]!;
    // An event whose metadata could not be read is quarantined under its stream, which has no stage log.
    if (UUID.test(purchaseOrderId)) {
      const merchantId = await this.merchantOf(first.position);
      await this.deps.store.appendToStream(workflowStream(purchaseOrderId), [
        {
          id: derivedId(`${projector.checkpointName}:${first.eventId}`, "quarantine-skipped"),
          type: "QuarantinedEventsSkipped",
          data: {
            purchaseOrderId,
            consumer: projector.checkpointName,
            events: skipped.map((row) => ({ eventId: row.eventId, eventType: row.eventType, position: row.position.toString(), error: row.error })),
            operator,
            at: this.deps.clock.now().toISOString(),
          },
          metadata: { merchantId, correlationId: purchaseOrderId, causationId: first.eventId, actor: `system:${operator}`, schemaVersion: CURRENT_SCHEMA_VERSION },
        },
      ]);
    }
    return { projector: name, purchaseOrderId, skipped: skipped.length };
  }

  private async merchantOf(position: bigint): Promise<string> {
    const [event] = await this.deps.store.readAll({ fromPosition: position, maxCount: 1 });
    const merchantId = event?.metadata.merchantId;
    return typeof merchantId === "string" && merchantId ? merchantId : "unknown";
  }

  private projector(name: string): Projector {
    const projector = this.projectors.find((candidate) => candidate.name === name);
    if (!projector) throw new NotFound("Projector", name);
    return projector;
  }
}
