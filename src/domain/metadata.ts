import { z } from "zod";

/**
 * Each event type's schema version where it is past 1. An event is written in its type's version
 * and read in it from any older one through the upcasters (src/eventlog/upcasters.ts), so the log is
 * never rewritten when a schema changes.
 */
const SCHEMA_VERSIONS: Readonly<Record<string, number>> = { ReviewCompleted: 2 };
export const schemaVersionOf = (eventType: string) => SCHEMA_VERSIONS[eventType] ?? 1;

/** Who did it: a merchant through the API, or one of our processors. */
export const Actor = z
  .string()
  .regex(/^(merchant|processor|system):[\w.:-]+$/, "actor must be merchant:<id>, processor:<name> or system:<name>");

export const EventMetadata = z.object({
  merchantId: z.string().min(1),
  /** The purchase order the event belongs to. */
  correlationId: z.string().min(1),
  /** The id of the event or command that caused this event. */
  causationId: z.string().min(1),
  actor: Actor,
  schemaVersion: z.number().int().positive(),
});
export type EventMetadata = z.infer<typeof EventMetadata>;
