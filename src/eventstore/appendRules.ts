import { ConcurrencyError } from "../errors.ts";
import { describeRevision, type AppendResult, type EventToAppend, type ExpectedRevision, type StreamAppend } from "./port.ts";

export function assertAppendable(appends: StreamAppend[]): void {
  const names = new Set<string>();
  for (const { streamName, events } of appends) {
    if (events.length === 0) throw new Error(`Nothing to append to ${streamName}`);
    if (names.has(streamName)) throw new Error(`${streamName} appears twice in one append; merge its events`);
    names.add(streamName);
  }
}

/** Throws the port's ConcurrencyError when the stream is not where the caller expected it. */
export function assertExpectedRevision(streamName: string, expected: ExpectedRevision, current: bigint | undefined): void {
  const ok =
    expected === "any" ||
    (expected === "no_stream" && current === undefined) ||
    (expected === "stream_exists" && current !== undefined) ||
    (typeof expected === "bigint" && current === expected);
  if (!ok) throw new ConcurrencyError(streamName, describeRevision(expected), describeRevision(current));
}

export type AlreadyAppended = { revision: bigint; position: bigint };

/**
 * EventStoreDB's idempotent append: a batch whose event ids the stream already holds is a success
 * that writes nothing (so a redelivered message produces no duplicate). A batch only partly
 * present means two different writes collided, which is a concurrency error.
 */
export function idempotentResult(
  streamName: string,
  events: EventToAppend[],
  alreadyAppended: Map<string, AlreadyAppended>,
  current: bigint | undefined,
): AppendResult | undefined {
  const found = events.map((e) => alreadyAppended.get(e.id));
  if (found.every((f) => f === undefined)) return undefined;
  const last = found[found.length - 1];
  if (found.some((f) => f === undefined) || last === undefined) {
    throw new ConcurrencyError(streamName, "a batch not yet appended", "a stream holding part of it");
  }
  return { nextExpectedRevision: current ?? last.revision, position: last.position };
}
