/** PersistentSubscriptions: Create, Delete, Read, GetInfo, ReplayParked, List. */
import { randomUUID } from "node:crypto";
import { status, type sendUnaryData, type ServerDuplexStream, type ServerUnaryCall } from "@grpc/grpc-js";
import { parseFilter, type EsdbLog, type StoredEvent } from "./log.ts";
import {
  PersistentGroup,
  type Consumer,
  type GroupSettings,
  type GroupSource,
  type NackAction,
  type StartFrom,
} from "./persistentGroup.ts";
import { persistentPb, streamNameOf, typedError, uuidText, type PersistentReadReq, type PersistentReadResp } from "./protocol.ts";
import { fillRecordedEvent } from "./reads.ts";

type Pb = typeof persistentPb;
type Req<K extends keyof Pb> = InstanceType<Pb[K]>;
type CreateSettings = InstanceType<Pb["CreateReq"]["Settings"]>;
type StreamOrAll = { hasAll(): boolean; getStreamIdentifier(): Parameters<typeof streamNameOf>[0] };

const sourceName = (options: StreamOrAll) => (options.hasAll() ? "$all" : streamNameOf(options.getStreamIdentifier()));

export class PersistentSubscriptions {
  private readonly groups = new Map<string, PersistentGroup>();

  constructor(private readonly log: EsdbLog) {}

  reset(): void {
    for (const group of this.groups.values()) group.close("The test server was reset");
    this.groups.clear();
  }

  private find(eventSource: string, groupName: string): PersistentGroup {
    const group = this.groups.get(`${eventSource}::${groupName}`);
    if (group) return group;
    throw typedError(status.NOT_FOUND, `Subscription group ${groupName} on stream ${eventSource} does not exist.`, {
      exception: "persistent-subscription-does-not-exist",
      "stream-name": eventSource,
      "group-name": groupName,
    });
  }

  private unary<Q, R>(handle: (request: Q, call: ServerUnaryCall<Q, R>) => R) {
    return (call: ServerUnaryCall<Q, R>, callback: sendUnaryData<R>) => {
      try {
        callback(null, handle(call.request, call));
      } catch (error) {
        callback(error as Error);
      }
    };
  }

  handlers() {
    return {
      create: this.unary((req: Req<"CreateReq">) => {
        const options = req.getOptions()!;
        const groupName = options.getGroupName();
        const settings = options.getSettings()!;
        const source = this.sourceOf(options, settings);
        const eventSource = source.kind === "all" ? "$all" : source.streamName;
        const key = `${eventSource}::${groupName}`;
        if (this.groups.has(key)) {
          throw typedError(status.ALREADY_EXISTS, `Subscription group ${groupName} on stream ${eventSource} exists.`, {
            exception: "persistent-subscription-exists",
            "stream-name": eventSource,
            "group-name": groupName,
          });
        }
        this.groups.set(key, new PersistentGroup(groupName, source, settingsOf(settings), this.log));
        return new persistentPb.CreateResp();
      }),
      delete: this.unary((req: Req<"DeleteReq">) => {
        const options = req.getOptions()!;
        const group = this.find(sourceName(options), options.getGroupName());
        this.groups.delete(`${group.eventSource}::${group.groupName}`);
        group.close("The subscription group was deleted");
        return new persistentPb.DeleteResp();
      }),
      getInfo: this.unary((req: Req<"GetInfoReq">) => {
        const options = req.getOptions()!;
        const resp = new persistentPb.GetInfoResp();
        resp.setSubscriptionInfo(subscriptionInfo(this.find(sourceName(options), options.getGroupName())));
        return resp;
      }),
      replayParked: this.unary((req: Req<"ReplayParkedReq">) => {
        const options = req.getOptions()!;
        const group = this.find(sourceName(options), options.getGroupName());
        group.replayParked(options.hasStopAt() ? Number(options.getStopAt()) : undefined);
        return new persistentPb.ReplayParkedResp();
      }),
      list: this.unary((req: Req<"ListReq">) => {
        const options = req.getOptions()!;
        const forStream = options.getListForStream();
        const wanted = forStream ? (forStream.hasAll() ? "$all" : streamNameOf(forStream.getStream())) : undefined;
        const resp = new persistentPb.ListResp();
        for (const group of this.groups.values()) {
          if (wanted === undefined || group.eventSource === wanted) resp.addSubscriptions(subscriptionInfo(group));
        }
        return resp;
      }),
      read: (call: ServerDuplexStream<PersistentReadReq, PersistentReadResp>) => this.read(call),
    };
  }

  private sourceOf(options: InstanceType<Pb["CreateReq"]["Options"]>, settings: CreateSettings): GroupSource {
    if (options.hasAll()) {
      const all = options.getAll()!;
      const startFrom: StartFrom = all.hasStart() ? "start" : all.hasEnd() ? "end" : BigInt(all.getPosition()!.getCommitPosition());
      return { kind: "all", startFrom, filter: all.hasFilter() ? parseFilter(all.getFilter()) : undefined };
    }
    if (options.hasStream()) {
      const stream = options.getStream()!;
      const startFrom: StartFrom = stream.hasStart() ? "start" : stream.hasEnd() ? "end" : BigInt(stream.getRevision());
      return { kind: "stream", streamName: streamNameOf(stream.getStreamIdentifier()), startFrom };
    }
    // Servers before 21.10: the stream in the options, the start revision in the settings.
    const revision = BigInt(settings.getRevision() || "0");
    const startFrom: StartFrom = revision === -1n ? "end" : revision === 0n ? "start" : revision;
    return { kind: "stream", streamName: streamNameOf(options.getStreamIdentifier()), startFrom };
  }

  private read(call: ServerDuplexStream<PersistentReadReq, PersistentReadResp>): void {
    let group: PersistentGroup | undefined;
    let consumer: Consumer | undefined;
    let ended = false;
    const leave = () => {
      ended = true;
      if (group && consumer) group.removeConsumer(consumer);
    };
    call.on("cancelled", leave);
    call.on("error", leave);
    call.on("end", () => {
      leave();
      call.end();
    });
    call.on("data", (req: PersistentReadReq) => {
      try {
        if (req.hasOptions()) {
          if (consumer) return;
          const options = req.getOptions()!;
          group = this.find(options.hasAll() ? "$all" : streamNameOf(options.getStreamIdentifier()), options.getGroupName());
          const max = group.settings.maxSubscriberCount;
          if (max > 0 && group.consumers.length >= max) {
            throw typedError(status.FAILED_PRECONDITION, "Maximum subscriptions reached", {
              exception: "maximum-subscribers-reached",
              "stream-name": group.eventSource,
              "group-name": group.groupName,
            });
          }
          consumer = newConsumer(call, options.getBufferSize(), () => ended);
          const confirmation = new persistentPb.ReadResp.SubscriptionConfirmation();
          confirmation.setSubscriptionId(`${group.eventSource}::${group.groupName}`);
          const resp = new persistentPb.ReadResp();
          resp.setSubscriptionConfirmation(confirmation);
          call.write(resp);
          group.addConsumer(consumer);
        } else if (req.hasAck() && group && consumer) {
          group.ack(consumer, req.getAck()!.getIdsList().map(uuidText));
        } else if (req.hasNack() && group && consumer) {
          const nack = req.getNack()!;
          group.nack(consumer, nack.getIdsList().map(uuidText), nackAction(nack.getAction()));
        }
      } catch (error) {
        ended = true;
        call.emit("error", error);
      }
    });
  }
}

function newConsumer(call: ServerDuplexStream<PersistentReadReq, PersistentReadResp>, bufferSize: number, ended: () => boolean): Consumer {
  const metadata = call.metadata.get("connection-name")[0];
  return {
    id: randomUUID(),
    connectionName: typeof metadata === "string" ? metadata : "",
    slots: Math.max(1, bufferSize),
    inFlight: new Set(),
    totalItems: 0,
    send(event: StoredEvent, retryCount: number) {
      const readEvent = new persistentPb.ReadResp.ReadEvent();
      readEvent.setEvent(fillRecordedEvent(new persistentPb.ReadResp.ReadEvent.RecordedEvent(), event));
      readEvent.setCommitPosition(event.position.toString());
      readEvent.setRetryCount(retryCount);
      const resp = new persistentPb.ReadResp();
      resp.setEvent(readEvent);
      call.write(resp);
    },
    drop(reason?: string) {
      if (ended()) return;
      if (reason === undefined) return call.end();
      call.emit("error", typedError(status.CANCELLED, reason, { exception: "persistent-subscription-dropped" }));
    },
  };
}

function nackAction(action: number): NackAction {
  const { Action } = persistentPb.ReadReq.Nack;
  if (action === Action.PARK) return "park";
  if (action === Action.RETRY) return "retry";
  if (action === Action.SKIP) return "skip";
  if (action === Action.STOP) return "stop";
  return "unknown";
}

function settingsOf(settings: CreateSettings): GroupSettings {
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
    strategy: settings.getConsumerStrategy() || strategies[settings.getNamedConsumerStrategy()] || "RoundRobin",
  };
}

function subscriptionInfo(group: PersistentGroup) {
  const { settings, source } = group;
  const stats = group.stats();
  const all = source.kind === "all";
  const describe = (event: StoredEvent | undefined) =>
    !event ? "" : all ? `C:${event.position}/P:${event.position}` : event.revision.toString();
  const startFrom = source.startFrom;
  const info = new persistentPb.SubscriptionInfo();
  info.setEventSource(group.eventSource);
  info.setGroupName(group.groupName);
  info.setStatus("Live");
  info.setStartFrom(
    startFrom === "start"
      ? all
        ? "C:0/P:0"
        : "0"
      : startFrom === "end"
        ? all
          ? "C:-1/P:-1"
          : "-1"
        : all
          ? `C:${startFrom}/P:${startFrom}`
          : startFrom.toString(),
  );
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
    info.addConnections(connection);
  }
  return info;
}
