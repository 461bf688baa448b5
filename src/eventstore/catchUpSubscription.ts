import { Observable } from "rxjs";
import { yieldToEventLoop } from "../yieldToEventLoop.ts";
import {
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type SubscriptionMessage,
} from "./port.ts";

export type CatchUpSource = {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  headPosition(): Promise<bigint | undefined>;
  /** Emits after every commit this process knows of, so live events arrive without waiting for a poll. */
  readonly appended: Observable<void>;
};

export type CatchUpSettings = {
  batchSize: number;
  pollIntervalMs: number;
  /** After a wake-up, wait this long so a burst of appends is read in one query, not one each. */
  coalesceMs?: number;
};

/**
 * A catch-up subscription built on ordered reads of the log: read after the last delivered
 * position until a short batch says we are caught up, then sleep until a wake-up or the poll
 * interval (the poll covers appends made by other processes).
 * Correct only when the source never makes a lower position visible after a higher one; the
 * Postgres adapter guarantees that by serialising commits.
 */
export function catchUpSubscription(
  source: CatchUpSource,
  options: SubscribeToAllOptions,
  settings: CatchUpSettings,
): Observable<SubscriptionMessage> {
  return new Observable<SubscriptionMessage>((subscriber) => {
    let lastPosition = options.fromPosition;
    let closed = false;
    let wakeUpPending = false;
    let wake: (() => void) | undefined;
    const wakeUps = source.appended.subscribe(() => {
      wakeUpPending = true;
      wake?.();
    });
    const sleep = () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, settings.pollIntervalMs);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });

    const run = async () => {
      let reportedCaughtUp: bigint | undefined | null = null;
      while (!closed) {
        wakeUpPending = false;
        await yieldToEventLoop();
        // Every event at or below the head seen before the read is committed (positions become
        // visible in order), so a short read proves all of them that pass the filter were sent.
        const head = await source.headPosition();
        const fromPosition = lastPosition === undefined ? undefined : lastPosition + 1n;
        const batch = await source.readAll({ fromPosition, maxCount: settings.batchSize, filter: options.filter });
        for (const event of batch) {
          if (closed) return;
          lastPosition = event.position;
          subscriber.next({ kind: "event", event });
        }
        if (batch.length < settings.batchSize) {
          if (head !== undefined && (lastPosition === undefined || head > lastPosition)) lastPosition = head;
          if (!closed && lastPosition !== reportedCaughtUp) {
            reportedCaughtUp = lastPosition;
            subscriber.next({ kind: "caughtUp", position: lastPosition });
          }
          if (!wakeUpPending) await sleep();
          if (settings.coalesceMs) await new Promise((resolve) => setTimeout(resolve, settings.coalesceMs));
        }
      }
    };
    run().catch((error: unknown) => {
      if (!closed) subscriber.error(error);
    });

    return () => {
      closed = true;
      wakeUps.unsubscribe();
      wake?.();
    };
  });
}
