/**
 * Persistent subscriptions to `$all` on EventStoreDB, for process managers: the server keeps
 * each group's position, shares its messages among the connected consumers (each message in
 * flight to one of them at a time), redelivers what is not acked in time or whose consumer
 * leaves, and parks what keeps failing.
 *
 *   const groups = new PersistentSubscriptions(client);
 *   await groups.ensureGroup("invoicing", { filter: { streamNamePrefixes: ["order-"] }, startFrom: "start" });
 *   const consumer = groups.subscribe("invoicing", { bufferSize: 10 });
 *   for await (const message of consumer) {
 *     try { await handle(message.event); await message.ack(); }
 *     catch (error) { await message.nack(message.retryCount < 3 ? "retry" : "park", String(error)); }
 *   }
 *
 * Delivery is at least once: handlers must be idempotent.
 */
import {
  END,
  EventStoreDBClient,
  PersistentSubscriptionExistsError,
  START,
  persistentSubscriptionToAllSettingsFromDefaults,
  type PersistentSubscriptionToAll,
} from "@eventstore/db-client";
import { serverSideFilter, toEsdbPosition, toRecordedEvent, wanted } from "./eventStoreDbMapping.ts";
import type { RecordedEvent, SubscriptionFilter } from "./port.ts";

export type GroupOptions = {
  /** Which events the group receives; system events never reach consumers. */
  filter?: SubscriptionFilter;
  /** Where a new group starts: the beginning, the end (default), or a position (inclusive). */
  startFrom?: "start" | "end" | bigint;
  /** Unacked messages are redelivered after this long. Default 30 s. */
  messageTimeoutMs?: number;
  /** A message redelivered more often than this is parked. Default 10. */
  maxRetryCount?: number;
};

export type NackAction = "park" | "retry" | "skip";

export type PersistentMessage = {
  event: RecordedEvent;
  /** How many times this message was delivered before (0 the first time). */
  retryCount: number;
  ack(): Promise<void>;
  /** `retry`: deliver again; `park`: set aside until `replayParked`; `skip`: drop it. */
  nack(action: NackAction, reason: string): Promise<void>;
};

/** Messages as they arrive; `close()` (or leaving the loop) disconnects and ends the iteration. */
export type PersistentConsumer = AsyncIterable<PersistentMessage> & { close(): Promise<void> };

export type GroupInfo = {
  parkedCount: number;
  inFlightCount: number;
  /** The position of the last event the server read for this group. */
  lastKnownPosition: bigint | undefined;
  lastCheckpointedPosition: bigint | undefined;
  connections: { name: string; inFlight: number; availableSlots: number; totalItems: bigint }[];
};

export class PersistentSubscriptions {
  /** The filters of the groups this instance ensured, finished here after the server's half. */
  private readonly filters = new Map<string, SubscriptionFilter | undefined>();

  constructor(private readonly client: EventStoreDBClient) {}

  /**
   * Creates the group on `$all` unless it exists. An existing group whose message timeout or
   * retry count differ is updated in place (it keeps its position; the server drops its consumers,
   * which must reconnect). Its filter cannot change (EventStoreDB's Update has none), nor its start
   * once it has a checkpoint: those need a new group name (or deleteGroup first).
   */
  async ensureGroup(groupName: string, options: GroupOptions = {}): Promise<void> {
    this.filters.set(groupName, options.filter);
    const { startFrom = "end", messageTimeoutMs = 30_000, maxRetryCount = 10 } = options;
    const settings = persistentSubscriptionToAllSettingsFromDefaults({
      startFrom: startFrom === "start" ? START : startFrom === "end" ? END : toEsdbPosition(startFrom),
      messageTimeout: messageTimeoutMs,
      maxRetryCount,
    });
    try {
      await this.client.createPersistentSubscriptionToAll(groupName, settings, { filter: serverSideFilter(options.filter) });
    } catch (error) {
      if (!(error instanceof PersistentSubscriptionExistsError)) throw error;
      const current = (await this.client.getPersistentSubscriptionToAllInfo(groupName)).settings;
      if (current.messageTimeout !== settings.messageTimeout || current.maxRetryCount !== settings.maxRetryCount) {
        await this.client.updatePersistentSubscriptionToAll(groupName, settings);
      }
    }
  }

  /** Joins the group as one consumer holding at most `bufferSize` unacked messages. */
  subscribe(groupName: string, options: { bufferSize?: number } = {}): PersistentConsumer {
    const subscription = this.client.subscribeToPersistentSubscriptionToAll(groupName, {
      bufferSize: options.bufferSize ?? 10,
    });
    const filter = this.filters.get(groupName);
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await subscription.unsubscribe();
      subscription.destroy();
    };
    async function* messages(): AsyncGenerator<PersistentMessage> {
      try {
        for await (const resolved of subscription as PersistentSubscriptionToAll) {
          const { event } = resolved;
          if (!event) continue;
          if (!wanted(event, filter)) {
            await subscription.ack(resolved);
            continue;
          }
          yield {
            event: toRecordedEvent(event),
            retryCount: resolved.retryCount,
            ack: () => subscription.ack(resolved),
            nack: (action, reason) => subscription.nack(action, reason, resolved),
          };
        }
      } catch (error) {
        if (!closed) throw error;
      } finally {
        await close();
      }
    }
    const iterator = messages();
    return { [Symbol.asyncIterator]: () => iterator, close };
  }

  /** Sends the group's parked messages to its consumers again. */
  async replayParked(groupName: string): Promise<void> {
    await this.client.replayParkedMessagesToAll(groupName);
  }

  async info(groupName: string): Promise<GroupInfo> {
    const { stats, connections } = await this.client.getPersistentSubscriptionToAllInfo(groupName);
    return {
      parkedCount: Number(stats.parkedMessageCount),
      inFlightCount: stats.totalInFlightMessages,
      lastKnownPosition: stats.lastKnownEventPosition?.commit,
      lastCheckpointedPosition: stats.lastCheckpointedEventPosition?.commit,
      connections: connections.map((c) => ({
        name: c.connectionName,
        inFlight: c.inFlightMessages,
        availableSlots: c.availableSlots,
        totalItems: c.totalItems,
      })),
    };
  }

  async deleteGroup(groupName: string): Promise<void> {
    this.filters.delete(groupName);
    await this.client.deletePersistentSubscriptionToAll(groupName);
  }
}
