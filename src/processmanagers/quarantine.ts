import { correlationOf, Quarantine } from "../consumers/quarantine.ts";
import type { Envelope } from "../domain/events.ts";
import { decodeEvent } from "../eventlog/decodeEvent.ts";
import type { RecordedEvent } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { PipelineCommand } from "./commands.ts";

type React = (envelope: Envelope) => PipelineCommand[];

/**
 * A processor's quarantine: an event it cannot decode, or whose reaction throws, yields no command
 * and is held with its error, and so are the later events of its PO for this processor; every other
 * PO goes on. Nothing here ever throws into the subscription that delivered the event.
 */
export class ProcessorQuarantine {
  private constructor(
    private readonly prisma: PrismaClient,
    private readonly quarantine: Quarantine,
  ) {}

  static async load(prisma: PrismaClient, processor: string): Promise<ProcessorQuarantine> {
    return new ProcessorQuarantine(prisma, await Quarantine.load(prisma, consumerOf(processor)));
  }

  async commandsFor(event: RecordedEvent, react: React): Promise<PipelineCommand[]> {
    const behind = this.quarantine.holding(event);
    if (behind !== undefined) {
      // The table decides: an operator may have retried or skipped the PO since.
      const held = await this.prisma.quarantinedEvent.count({
        where: { consumer: this.quarantine.consumer, correlationId: correlationOf(event), heldBehind: null },
      });
      if (held > 0) {
        await this.quarantine.add(this.prisma, event, `held behind the quarantined event at position ${behind}`, behind);
        return [];
      }
      this.quarantine.forget(correlationOf(event));
    }
    try {
      return react(decodeEvent(event));
    } catch (error) {
      await this.quarantine.add(this.prisma, event, error instanceof Error ? error.message : String(error));
      this.quarantine.remember(event);
      return [];
    }
  }

  /** The quarantined events of a PO, oldest first, for a retry. */
  quarantinedOf(purchaseOrderId: string) {
    return this.prisma.quarantinedEvent.findMany({
      where: { consumer: this.quarantine.consumer, correlationId: purchaseOrderId },
      orderBy: { position: "asc" },
    });
  }

  async release(purchaseOrderId: string) {
    const rows = await this.quarantinedOf(purchaseOrderId);
    await this.prisma.quarantinedEvent.deleteMany({ where: { consumer: this.quarantine.consumer, correlationId: purchaseOrderId } });
    this.quarantine.forget(purchaseOrderId);
    return rows;
  }
}

export const consumerOf = (processor: string) => `processor:${processor}`;
