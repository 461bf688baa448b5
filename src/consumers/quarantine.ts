import type { RecordedEvent } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";

type QuarantineClient = Pick<PrismaClient, "quarantinedEvent">;

export type QuarantinedEvent = {
  consumer: string;
  position: bigint;
  eventId: string;
  eventType: string;
  streamName: string;
  correlationId: string;
  merchantId: string;
  error: string;
  /** The quarantined event this one waits behind (same PO, same consumer); undefined for the one that failed. */
  heldBehind?: bigint;
  quarantinedAt: Date;
};

/**
 * What a quarantine keys on: the PO an event belongs to, so one broken PO holds back only its own
 * later events. An event whose metadata cannot even be read is its stream's alone.
 */
export function correlationOf(event: { metadata: { correlationId?: unknown }; streamName: string }): string {
  const correlationId = event.metadata.correlationId;
  return typeof correlationId === "string" && correlationId.length > 0 ? correlationId : event.streamName;
}

/** The correlations a consumer holds back, kept in memory while it runs, written through to the table. */
export class Quarantine {
  private readonly held = new Map<string, bigint>();

  private constructor(readonly consumer: string) {}

  static async load(prisma: QuarantineClient, consumer: string): Promise<Quarantine> {
    const quarantine = new Quarantine(consumer);
    const rows = await prisma.quarantinedEvent.findMany({ where: { consumer, heldBehind: null }, orderBy: { position: "asc" } });
    for (const row of rows) if (!quarantine.held.has(row.correlationId)) quarantine.held.set(row.correlationId, row.position);
    return quarantine;
  }

  /** The position of the quarantined event that holds this event's PO back, if any. */
  holding(event: RecordedEvent): bigint | undefined {
    return this.held.get(correlationOf(event));
  }

  /** Call inside the transaction that moves the consumer's checkpoint past the event. */
  async add(prisma: QuarantineClient, event: RecordedEvent, error: string, heldBehind?: bigint): Promise<void> {
    // A redelivered event is quarantined once.
    await prisma.quarantinedEvent.createMany({
      skipDuplicates: true,
      data: {
        consumer: this.consumer,
        position: event.position,
        eventId: event.id,
        eventType: event.type,
        streamName: event.streamName,
        correlationId: correlationOf(event),
        merchantId: typeof event.metadata.merchantId === "string" && event.metadata.merchantId ? event.metadata.merchantId : "unknown",
        error,
        heldBehind: heldBehind ?? null,
        quarantinedAt: new Date(),
      },
    });
  }

  /** Once that transaction has committed. */
  remember(event: RecordedEvent): void {
    const correlation = correlationOf(event);
    if (!this.held.has(correlation)) this.held.set(correlation, event.position);
  }

  /** After a retry or skip removed a correlation's rows. */
  forget(correlationId: string): void {
    this.held.delete(correlationId);
  }
}

export async function listQuarantined(
  prisma: QuarantineClient,
  where: { consumer?: string; correlationId?: string } = {},
): Promise<QuarantinedEvent[]> {
  const rows = await prisma.quarantinedEvent.findMany({ where, orderBy: [{ consumer: "asc" }, { position: "asc" }] });
  return rows.map((row) => ({ ...row, heldBehind: row.heldBehind ?? undefined }));
}

/** Each consumer's quarantine at a glance: how many events, how many POs. */
export async function quarantineCounts(prisma: QuarantineClient): Promise<Map<string, { events: number; correlations: number }>> {
  const rows = await prisma.quarantinedEvent.groupBy({ by: ["consumer", "correlationId"], _count: { _all: true } });
  const counts = new Map<string, { events: number; correlations: number }>();
  for (const row of rows) {
    const entry = counts.get(row.consumer) ?? { events: 0, correlations: 0 };
    entry.events += row._count._all;
    entry.correlations += 1;
    counts.set(row.consumer, entry);
  }
  return counts;
}
