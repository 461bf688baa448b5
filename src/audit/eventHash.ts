import { createHash } from "node:crypto";
import type { RecordedEvent } from "../eventstore/port.ts";

/** JSON with every object's keys sorted, so equal content hashes alike whatever order a store returns keys in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Everything the log records of an event, as an auditor reads it (exported) and its hash covers. */
export const eventRecord = (event: RecordedEvent) => ({
  position: event.position.toString(),
  stream: event.streamName,
  revision: event.revision.toString(),
  id: event.id,
  type: event.type,
  data: event.data,
  metadata: event.metadata,
  created: event.created.toISOString(),
});

/** What an event's hash covers: its whole record, its position included (so a moved event is a changed one). */
export const hashedContent = (event: RecordedEvent) => canonicalJson(eventRecord(event));

/** SHA-256 over the previous event's hash (none for the log's first) and this event's content. */
export function chainHash(previous: Buffer | undefined, event: RecordedEvent): Buffer {
  const hash = createHash("sha256");
  if (previous) hash.update(previous);
  return hash.update(hashedContent(event)).digest();
}
