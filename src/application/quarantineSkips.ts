import type { Clock } from "../clock.ts";
import { schemaVersionOf } from "../domain/metadata.ts";
import { workflowStream } from "../domain/workflow.ts";
import type { EventStore } from "../eventstore/port.ts";
import { derivedId } from "./eventIds.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Skipped = { eventId: string; eventType: string; position: bigint; error: string; merchantId: string };

/**
 * Says in a PO's stage log that an operator gave up on events a consumer had quarantined for it.
 * An event whose metadata could not be read is quarantined under its stream, which has no stage log.
 */
export async function recordQuarantineSkipped(
  deps: { store: EventStore; clock: Clock },
  skip: { consumer: string; purchaseOrderId: string; events: Skipped[]; operator: string },
): Promise<void> {
  const [first] = skip.events;
  if (!first || !UUID.test(skip.purchaseOrderId)) return;
  await deps.store.appendToStream(workflowStream(skip.purchaseOrderId), [
    {
      id: derivedId(`${skip.consumer}:${first.eventId}`, "quarantine-skipped"),
      type: "QuarantinedEventsSkipped",
      data: {
        purchaseOrderId: skip.purchaseOrderId,
        consumer: skip.consumer,
        events: skip.events.map((row) => ({
          eventId: row.eventId,
          eventType: row.eventType,
          position: row.position.toString(),
          error: row.error,
        })),
        operator: skip.operator,
        at: deps.clock.now().toISOString(),
      },
      metadata: {
        merchantId: first.merchantId,
        correlationId: skip.purchaseOrderId,
        causationId: first.eventId,
        actor: `system:${skip.operator}`,
        schemaVersion: schemaVersionOf("QuarantinedEventsSkipped"),
      },
    },
  ]);
}
