import { defer, retry, timer, type Observable } from "rxjs";
import type { Logger } from "pino";
import type { EventStore, SubscriptionFilter, SubscriptionMessage } from "../eventstore/port.ts";

export type FollowSettings = { initialBackoffMs: number; maxBackoffMs: number };

export const defaultFollowSettings: FollowSettings = { initialBackoffMs: 250, maxBackoffMs: 10_000 };

/**
 * The log from a consumer's position on, surviving a failed subscription (a database restarted
 * under the app, a dropped connection to EventStoreDB): it resubscribes after a growing pause, from
 * wherever `after()` says the consumer has got to by then, so nothing is skipped or delivered twice.
 */
export function followLog(
  store: EventStore,
  options: { consumer: string; after: () => bigint | undefined; filter?: SubscriptionFilter },
  logger: Pick<Logger, "warn">,
  settings: FollowSettings = defaultFollowSettings,
): Observable<SubscriptionMessage> {
  return defer(() => store.subscribeToAll({ fromPosition: options.after(), filter: options.filter })).pipe(
    retry({
      resetOnSuccess: true,
      delay: (error: unknown, attempt) => {
        const pause = Math.min(settings.maxBackoffMs, settings.initialBackoffMs * 2 ** (attempt - 1));
        logger.warn({ err: error, consumer: options.consumer, attempt, retryInMs: pause }, "subscription failed; resubscribing");
        return timer(pause);
      },
    }),
  );
}
