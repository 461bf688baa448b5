import type { RecordedEvent } from "../../eventstore/port.ts";

/**
 * Where a processor's events come from, and how it says it is done with one. `handle` resolves once
 * every command the event called for has finished or been parked; it rejects if the work could not
 * even be parked, and then the event must come again.
 */
export type Handle = (event: RecordedEvent) => Promise<void>;

export interface EventFeed {
  start(handle: Handle): void;
  /** Stops taking new events; the runner lets those already taken finish. */
  stop(): void;
  /** Waits for the acknowledgements of handled events to be written. */
  flush(): Promise<void>;
  /** The position the feed would restart after, if it keeps one (the competing consumers' is on the server). */
  checkpoint(): bigint | undefined;
}
