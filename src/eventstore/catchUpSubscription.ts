import { Observable } from "rxjs";
import { yieldToEventLoop } from "../yieldToEventLoop.ts";
import { type ReadAllOptions, type RecordedEvent, type SubscribeToAllOptions, type SubscriptionMessage } from "./port.ts";

export type CatchUpSource = {
  /** In position order, and only events at or below some settled head. */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  settledHead(): Promise<SettledHead>;
  /** Emits after every commit the source learns of, so live events arrive without waiting for a poll. */
  readonly appended: Observable<void>;
};

export type SettledHead = {
  /** No event at or below this position can still commit: reads up to here are final. */
  position: bigint | undefined;
  /** The newest committed position: what lies above the settled head waits for older transactions to end. */
  committed: bigint | undefined;
};

export type CatchUpSettings = {
  batchSize: number;
  pollIntervalMs: number;
  /**
   * Reads begin at most this often, so a burst of appends is read in one query, not one each. A
   * wake-up after a quiet spell reads at once: only a subscription kept busy waits, and only what is
   * left of the interval.
   */
  coalesceMs?: number;
};

const FIRST_SETTLE_WAIT_MS = 2;

/**
 * A catch-up subscription built on ordered reads of the log: read after the last delivered
 * position until a short batch says we are caught up, then sleep until a wake-up or the poll
 * interval (the poll covers wake-ups that never came). Correct because the source reads only
 * final parts of the log (see CatchUpSource), so nothing can later appear below a delivered position.
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
    let settleWaits = 0;
    let lastReadAt = Number.NEGATIVE_INFINITY;
    const sleep = (ms: number) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });

    const run = async () => {
      let reportedCaughtUp: bigint | undefined | null = null;
      // Caught up means past what was committed when the subscription began, not merely past what had settled.
      let history: bigint | undefined | null = null;
      while (!closed) {
        wakeUpPending = false;
        await yieldToEventLoop();
        lastReadAt = performance.now();
        // Every event at or below the settled head seen before the read is final, so a short read
        // proves all of them that pass the filter were sent.
        const head = await source.settledHead();
        if (history === null) history = head.committed;
        const unsettled = head.committed !== undefined && (head.position === undefined || head.committed > head.position);
        const fromPosition = lastPosition === undefined ? undefined : lastPosition + 1n;
        const batch = await source.readAll({ fromPosition, maxCount: settings.batchSize, filter: options.filter });
        for (const event of batch) {
          if (closed) return;
          lastPosition = event.position;
          subscriber.next({ kind: "event", event });
        }
        if (batch.length < settings.batchSize) {
          if (head.position !== undefined && (lastPosition === undefined || head.position > lastPosition)) lastPosition = head.position;
          const pastHistory = history === undefined || (lastPosition !== undefined && lastPosition >= history);
          if (!closed && pastHistory && lastPosition !== reportedCaughtUp) {
            reportedCaughtUp = lastPosition;
            subscriber.next({ kind: "caughtUp", position: lastPosition });
          }
          // What waits on an older transaction is looked at again soon: that transaction's end may wake nobody.
          settleWaits = unsettled ? settleWaits + 1 : 0;
          const idleMs = unsettled
            ? Math.min(FIRST_SETTLE_WAIT_MS * 2 ** (settleWaits - 1), settings.pollIntervalMs)
            : settings.pollIntervalMs;
          if (!wakeUpPending) await sleep(idleMs);
          const sinceRead = performance.now() - lastReadAt;
          if (settings.coalesceMs && sinceRead < settings.coalesceMs)
            await new Promise((resolve) => setTimeout(resolve, settings.coalesceMs! - sinceRead));
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
