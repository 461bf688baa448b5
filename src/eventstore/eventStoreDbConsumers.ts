import {
  PARK,
  PersistentSubscriptionExistsError,
  persistentSubscriptionToAllSettingsFromDefaults,
  RETRY,
  SKIP,
  START,
  type EventStoreDBClient,
  type PersistentAction,
} from "@eventstore/db-client";
import type { CompetingConsumers, GroupInfo, NackAction, PersistentConsumer } from "./competingConsumers.ts";
import { isSystemEvent, serverSideFilter, toRecordedEvent, wanted } from "./eventStoreDbMapping.ts";
import type { SubscriptionFilter } from "./port.ts";

const actions: Record<NackAction, PersistentAction> = { park: PARK, retry: RETRY, skip: SKIP };

/** How long the server waits for an acknowledgement before it hands the event to another consumer. */
const MESSAGE_TIMEOUT_MS = 30_000;
/** Redeliveries (timeouts, nack retry) before the server parks an event on its own. */
const MAX_RETRY_COUNT = 10;

/** Persistent subscriptions to `$all` through @eventstore/db-client. */
export class EventStoreDbConsumers implements CompetingConsumers {
  private readonly filters = new Map<string, SubscriptionFilter>();

  constructor(private readonly client: EventStoreDBClient) {}

  async ensureGroup(group: string, filter: SubscriptionFilter): Promise<void> {
    this.filters.set(group, filter);
    const settings = persistentSubscriptionToAllSettingsFromDefaults({
      startFrom: START,
      messageTimeout: MESSAGE_TIMEOUT_MS,
      maxRetryCount: MAX_RETRY_COUNT,
      // Several workers take turns; one subject's order is kept by the runner within each event.
      consumerStrategyName: "RoundRobin",
    });
    try {
      await this.client.createPersistentSubscriptionToAll(group, settings, { filter: serverSideFilter(filter) });
    } catch (error) {
      if (!(error instanceof PersistentSubscriptionExistsError)) throw error;
    }
  }

  consume(group: string, options: { bufferSize: number }, onDelivery: Parameters<CompetingConsumers["consume"]>[2], onError: (error: unknown) => void): PersistentConsumer {
    const filter = this.filters.get(group);
    const subscription = this.client.subscribeToPersistentSubscriptionToAll(group, { bufferSize: options.bufferSize });
    subscription.on("data", (resolved) => {
      const { event } = resolved;
      // The server's filter is a prefix on one field; what it lets through that we do not want is skipped.
      if (!event || isSystemEvent(event) || !wanted(event, filter)) {
        void subscription.ack(resolved).catch(onError);
        return;
      }
      onDelivery({
        event: toRecordedEvent(event),
        retryCount: resolved.retryCount,
        ack: () => subscription.ack(resolved),
        nack: (action, reason) => subscription.nack(actions[action], reason, resolved),
      });
    });
    subscription.on("error", onError);
    return { close: () => subscription.unsubscribe() };
  }

  replayParked(group: string): Promise<void> {
    return this.client.replayParkedMessagesToAll(group);
  }

  async info(group: string): Promise<GroupInfo> {
    const info = await this.client.getPersistentSubscriptionToAllInfo(group);
    return {
      group,
      connections: info.connections.length,
      inFlight: info.stats.totalInFlightMessages,
      parked: Number(info.stats.parkedMessageCount),
      lastCheckpointedPosition: info.stats.lastCheckpointedEventPosition?.commit,
    };
  }
}
