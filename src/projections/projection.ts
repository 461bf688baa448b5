import type { Envelope, EventOfType, EventType } from "../domain/events.ts";
import type { Prisma } from "../generated/prisma/client.ts";

export type ProjectionTransaction = Prisma.TransactionClient;

/** One read model: for each event type it cares about, the Prisma write that folds it in. */
export type Projection = {
  name: string;
  handlers: { [T in EventType]?: (tx: ProjectionTransaction, envelope: Envelope<EventOfType<T>>) => Promise<unknown> };
  /** Empties the read model, for a rebuild from position zero. */
  reset(tx: ProjectionTransaction): Promise<unknown>;
};
