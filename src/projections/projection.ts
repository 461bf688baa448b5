import type { Envelope, EventOfType, EventType } from "../domain/events.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { RowBatch } from "./rowBatch.ts";
import { depthsOf, writingHeldRowsWhenNeeded, type ForeignKeys } from "./tableTies.ts";

export type ProjectionTransaction = Prisma.TransactionClient;

/**
 * One read model: for each event type it cares about, the write that folds it in. Row writes that
 * only insert, upsert or raise a row go in `rows` and are written with the rest of their batch's
 * (most events of the pipeline); a write that must read or see the table as it stands (an update of
 * one image, a deletion) goes in `writes`, straight to the database in log order, before that event's rows.
 */
export type Projection = {
  name: string;
  rows?: { [T in EventType]?: (rows: RowBatch, envelope: Envelope<EventOfType<T>>) => void };
  writes?: { [T in EventType]?: (tx: ProjectionTransaction, envelope: Envelope<EventOfType<T>>) => Promise<unknown> };
  /** Empties the read model, for a rebuild from position zero. */
  reset(tx: ProjectionTransaction): Promise<unknown>;
};

export const projectedTypes = (projection: Projection): string[] => [
  ...Object.keys(projection.rows ?? {}),
  ...Object.keys(projection.writes ?? {}),
];

/**
 * Folds a run of events into a group's read models, in log order, in the caller's transaction.
 * Given the tables' foreign keys, held rows are written only when a write needs them (a rebuild's
 * long runs); otherwise all of them before each write.
 */
export async function applyEvents(
  transaction: ProjectionTransaction,
  projections: readonly Projection[],
  envelopes: readonly Envelope[],
  foreignKeys?: ForeignKeys,
): Promise<void> {
  const rows = new RowBatch();
  const tx = foreignKeys ? writingHeldRowsWhenNeeded(transaction, rows, foreignKeys) : transaction;
  for (const envelope of envelopes) {
    for (const projection of projections) {
      const type = envelope.event.type;
      // An event's write comes before its rows (a re-parse deletes the PO's lines, then inserts the new ones).
      const write = projection.writes?.[type] as ((tx: ProjectionTransaction, envelope: Envelope) => Promise<unknown>) | undefined;
      if (write) {
        if (!foreignKeys) await rows.flush(tx);
        await write(tx, envelope);
      }
      const fold = projection.rows?.[type] as ((rows: RowBatch, envelope: Envelope) => void) | undefined;
      fold?.(rows, envelope);
    }
  }
  await rows.flushTables(transaction, () => true, foreignKeys && depthsOf(foreignKeys));
}
