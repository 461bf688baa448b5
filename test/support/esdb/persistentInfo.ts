/** What the test server's persistent subscription groups take from Create/Update and show in GetInfo/List. */
import type { PersistentGroup, GroupSettings, StartFrom } from "./persistentGroup.ts";
import type { StoredEvent } from "./log.ts";
import { persistentPb } from "./protocol.ts";

type Pb = typeof persistentPb;
type CreateOrUpdateSettings = InstanceType<Pb["CreateReq"]["Settings"]> | InstanceType<Pb["UpdateReq"]["Settings"]>;

export function settingsOf(settings: CreateOrUpdateSettings): GroupSettings {
  const { MessageTimeoutCase, CheckpointAfterCase } = persistentPb.CreateReq.Settings;
  const strategies: Record<number, string> = { 0: "DispatchToSingle", 1: "RoundRobin", 2: "Pinned" };
  return {
    messageTimeoutMs:
      settings.getMessageTimeoutCase() === MessageTimeoutCase.MESSAGE_TIMEOUT_TICKS
        ? Number(BigInt(settings.getMessageTimeoutTicks()) / 10_000n)
        : settings.getMessageTimeoutMs(),
    checkpointAfterMs:
      settings.getCheckpointAfterCase() === CheckpointAfterCase.CHECKPOINT_AFTER_TICKS
        ? Number(BigInt(settings.getCheckpointAfterTicks()) / 10_000n)
        : settings.getCheckpointAfterMs(),
    maxRetryCount: settings.getMaxRetryCount(),
    maxSubscriberCount: settings.getMaxSubscriberCount(),
    liveBufferSize: settings.getLiveBufferSize(),
    readBatchSize: settings.getReadBatchSize(),
    historyBufferSize: settings.getHistoryBufferSize(),
    minCheckpointCount: settings.getMinCheckpointCount(),
    maxCheckpointCount: settings.getMaxCheckpointCount(),
    extraStatistics: settings.getExtraStatistics(),
    resolveLinks: settings.getResolveLinks(),
    strategy:
      ("getConsumerStrategy" in settings ? settings.getConsumerStrategy() : "") ||
      strategies[settings.getNamedConsumerStrategy()] ||
      "RoundRobin",
  };
}

/** As EventStoreDB shows where a group starts: `C:<commit>/P:<prepare>` for `$all`, a revision for a stream, -1 for the end. */
function describeStart(startFrom: StartFrom, all: boolean): string {
  if (typeof startFrom === "object") return `C:${startFrom.commit}/P:${startFrom.prepare}`;
  const revision = startFrom === "start" ? 0n : startFrom === "end" ? -1n : startFrom;
  return all ? `C:${revision}/P:${revision}` : String(revision);
}

export function subscriptionInfo(group: PersistentGroup) {
  const { settings, source } = group;
  const stats = group.stats();
  const all = source.kind === "all";
  const describe = (event: StoredEvent | undefined) =>
    !event ? "" : all ? `C:${event.commitPosition}/P:${event.position}` : event.revision.toString();
  const info = new persistentPb.SubscriptionInfo();
  info.setEventSource(group.eventSource);
  info.setGroupName(group.groupName);
  info.setStatus("Live");
  info.setStartFrom(describeStart(source.startFrom, all));
  info.setTotalItems(stats.totalItems.toString());
  info.setCountSinceLastMeasurement("0");
  info.setLastCheckpointedEventPosition(describe(stats.lastAcked));
  info.setLastKnownEventPosition(describe(stats.lastRead));
  info.setResolveLinkTos(settings.resolveLinks);
  info.setMessageTimeoutMilliseconds(settings.messageTimeoutMs);
  info.setExtraStatistics(settings.extraStatistics);
  info.setMaxRetryCount(settings.maxRetryCount);
  info.setLiveBufferSize(settings.liveBufferSize);
  info.setBufferSize(settings.historyBufferSize);
  info.setReadBatchSize(settings.readBatchSize);
  info.setCheckPointAfterMilliseconds(settings.checkpointAfterMs);
  info.setMinCheckPointCount(settings.minCheckpointCount);
  info.setMaxCheckPointCount(settings.maxCheckpointCount);
  info.setReadBufferCount(0);
  info.setLiveBufferCount("0");
  info.setRetryBufferCount(stats.retryBufferCount);
  info.setTotalInFlightMessages(stats.inFlight);
  info.setOutstandingMessagesCount(stats.inFlight);
  info.setNamedConsumerStrategy(settings.strategy);
  info.setMaxSubscriberCount(settings.maxSubscriberCount);
  info.setParkedMessageCount(stats.parked.toString());
  for (const consumer of group.consumers) {
    const connection = new persistentPb.SubscriptionInfo.ConnectionInfo();
    connection.setFrom(consumer.id);
    connection.setUsername("");
    connection.setAverageItemsPerSecond(0);
    connection.setTotalItems(consumer.totalItems.toString());
    connection.setCountSinceLastMeasurement("0");
    connection.setAvailableSlots(consumer.slots - consumer.inFlight.size);
    connection.setInFlightMessages(consumer.inFlight.size);
    connection.setConnectionName(consumer.connectionName);
    if (settings.extraStatistics) {
      for (const [key, value] of ackLatencyMeasurements(consumer.ackLatenciesMs)) {
        const measurement = new persistentPb.SubscriptionInfo.Measurement();
        measurement.setKey(key);
        measurement.setValue(String(value));
        connection.addObservedMeasurements(measurement);
      }
    }
    info.addConnections(connection);
  }
  return info;
}

/**
 * With extra statistics EventStoreDB times each message from sending to ack and reports these
 * figures (in ms) per connection; nothing until a message was acked.
 */
function ackLatencyMeasurements(latencies: readonly number[]): [string, number][] {
  if (latencies.length === 0) return [];
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (percent: number) => sorted[Math.min(sorted.length - 1, Math.floor((percent / 100) * sorted.length))]!;
  return [
    ["Mean", Math.floor(sorted.reduce((sum, ms) => sum + ms, 0) / sorted.length)],
    ["Median", sorted[sorted.length >> 1]!],
    ["Fastest", sorted[0]!],
    ...[1, 2, 3, 4, 5].map((quintile): [string, number] => [`Quintile ${quintile}`, at((quintile - 1) * 20)]),
    ...[90, 95, 99, 99.5, 99.9].map((percent): [string, number] => [`${percent}%`, at(percent)]),
    ["Highest", sorted.at(-1)!],
  ];
}
