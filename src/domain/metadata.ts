import { z } from "zod";

export const CURRENT_SCHEMA_VERSION = 1;

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
