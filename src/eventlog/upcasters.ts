import { schemaVersionOf } from "../domain/metadata.ts";
import type { JsonObject } from "../eventstore/port.ts";
import type { ValidationIssue } from "../errors.ts";

type Upcaster = (data: JsonObject) => JsonObject;

/**
 * Per event type, the step from each old schema version to the next: an event written in version n
 * is read through steps n, n+1, … into today's shape. The log keeps what was written.
 */
export const upcasters: Readonly<Record<string, Readonly<Record<number, Upcaster>>>> = {
  ReviewCompleted: {
    // v1 wrote who completed the review as one actor string; v2 splits it into kind and id.
    // Data without it stays as it is, for the schema to refuse.
    1: ({ completedBy, ...data }) => {
      const colon = typeof completedBy === "string" ? completedBy.indexOf(":") : -1;
      if (colon < 0) return { completedBy, ...data };
      const actor = completedBy as string;
      return { ...data, reviewer: { kind: actor.slice(0, colon), id: actor.slice(colon + 1) } };
    },
  },
};

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The event's data in its type's current version, or why it cannot be read in it. Data or metadata
 * that are not objects, or a version that is no version, are left for the schemas to refuse.
 */
export function upcast(type: string, metadata: unknown, data: unknown): { data: unknown } | { issue: ValidationIssue } {
  const current = schemaVersionOf(type);
  const writtenIn = isObject(metadata) ? metadata.schemaVersion : undefined;
  if (!isObject(data) || typeof writtenIn !== "number" || !Number.isInteger(writtenIn) || writtenIn < 1) return { data };
  if (writtenIn > current)
    return {
      issue: { path: "metadata.schemaVersion", message: `written in version ${writtenIn}; this build reads ${type} up to ${current}` },
    };
  let upcast: JsonObject = data;
  for (let version = writtenIn; version < current; version++) {
    const step = upcasters[type]?.[version];
    if (!step) return { issue: { path: "metadata.schemaVersion", message: `no upcaster from ${type} version ${version}` } };
    upcast = step(upcast);
  }
  return { data: upcast };
}
