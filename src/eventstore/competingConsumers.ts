import type { RecordedEvent, SubscriptionFilter } from "./port.ts";

/**
 * Competing consumers over the whole log (EventStoreDB's persistent subscriptions to `$all`): the
 * server hands each event of a group to one of the group's connected consumers, keeps the group's
 * position, and redelivers what is not acknowledged in time (to another consumer, if one is left).
 */
export type NackAction = "park" | "retry" | "skip";

export type PersistentDelivery = {
  event: RecordedEvent;
  /** How often the server has delivered this event before. */
  retryCount: number;
  ack(): Promise<void>;
  nack(action: NackAction, reason: string): Promise<void>;
};

export type PersistentConsumer = { close(): Promise<void> };

export type GroupInfo = { group: string; connections: number; inFlight: number; parked: number; lastCheckpointedPosition: bigint | undefined };

export interface CompetingConsumers {
  /** Creates the group (from the start of the log) unless it exists. */
  ensureGroup(group: string, filter: SubscriptionFilter): Promise<void>;
  consume(group: string, options: { bufferSize: number }, onDelivery: (delivery: PersistentDelivery) => void, onError: (error: unknown) => void): PersistentConsumer;
  /** Sends the events the server parked back to the group's consumers. */
  replayParked(group: string): Promise<void>;
  info(group: string): Promise<GroupInfo>;
}
