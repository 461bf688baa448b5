/** PersistentSubscriptions: Create, Update, Delete, Read, GetInfo, ReplayParked, List, RestartSubsystem. */
import { randomUUID } from "node:crypto";
import { status, type sendUnaryData, type ServerDuplexStream, type ServerUnaryCall } from "@grpc/grpc-js";
import { parseFilter, type EsdbLog, type StoredEvent } from "./log.ts";
import { PersistentGroup, type Consumer, type GroupSource, type NackAction, type StartFrom } from "./persistentGroup.ts";
import { settingsOf, subscriptionInfo } from "./persistentInfo.ts";
import { persistentPb, sharedPb, streamNameOf, typedError, uuidText, type PersistentReadReq, type PersistentReadResp } from "./protocol.ts";
import { fillReadEvent } from "./readEvents.ts";

type Pb = typeof persistentPb;
type Req<K extends keyof Pb> = InstanceType<Pb[K]>;
type CreateOrUpdateOptions = InstanceType<Pb["CreateReq"]["Options"]> | InstanceType<Pb["UpdateReq"]["Options"]>;
type StreamOrAll = { hasAll(): boolean; getStreamIdentifier(): Parameters<typeof streamNameOf>[0] };

const sourceName = (options: StreamOrAll) => (options.hasAll() ? "$all" : streamNameOf(options.getStreamIdentifier()));

function doesNotExist(eventSource: string, groupName: string) {
  return typedError(status.NOT_FOUND, `Subscription group ${groupName} on stream ${eventSource} does not exist.`, {
    exception: "persistent-subscription-does-not-exist",
    "stream-name": eventSource,
    "group-name": groupName,
  });
}

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
    throw doesNotExist(eventSource, groupName);
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
        const groups = [...this.groups.values()].filter((group) => wanted === undefined || group.eventSource === wanted);
        // EventStoreDB knows no stream without groups: listing one is "does not exist", with no group name.
        if (wanted !== undefined && groups.length === 0) throw doesNotExist(wanted, "");
        const resp = new persistentPb.ListResp();
        for (const group of groups) resp.addSubscriptions(subscriptionInfo(group));
        return resp;
      }),
      // New settings (and a new start, which matters only to a group that has not yet checkpointed);
      // the consumers are dropped, as EventStoreDB restarts the group, and reconnect to the new one.
      update: this.unary((req: Req<"UpdateReq">) => {
        const options = req.getOptions()!;
        const settings = options.getSettings()!;
        const source = this.sourceOf(options, settings);
        const group = this.find(source.kind === "all" ? "$all" : source.streamName, options.getGroupName());
        group.update(settingsOf(settings), source.startFrom);
        return new persistentPb.UpdateResp();
      }),
      restartSubsystem: this.unary(() => {
        for (const group of this.groups.values()) group.restart("The persistent subscriptions subsystem was restarted");
        return new sharedPb.Empty();
      }),
      read: (call: ServerDuplexStream<PersistentReadReq, PersistentReadResp>) => this.read(call),
    };
  }

  private sourceOf(options: CreateOrUpdateOptions, settings: { getRevision(): string }): GroupSource {
    if (options.hasAll()) {
      const all = options.getAll()!;
      const position = all.getPosition();
      const startFrom: StartFrom = all.hasStart()
        ? "start"
        : all.hasEnd()
          ? "end"
          : { commit: BigInt(position!.getCommitPosition()), prepare: BigInt(position!.getPreparePosition()) };
      return { kind: "all", startFrom, filter: "hasFilter" in all && all.hasFilter() ? parseFilter(all.getFilter()) : undefined };
    }
    if (options.hasStream()) {
      const stream = options.getStream()!;
      const startFrom: StartFrom = stream.hasStart() ? "start" : stream.hasEnd() ? "end" : BigInt(stream.getRevision());
      return { kind: "stream", streamName: streamNameOf(stream.getStreamIdentifier()), startFrom };
    }
    // Servers before 21.10: the stream in the options, the start revision in the settings, read
    // as a signed 64-bit number: client 6.2.1 sends END as 2^64 - 1, which is -1.
    const revision = BigInt.asIntN(64, BigInt(settings.getRevision() || "0"));
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
          consumer = newConsumer(call, options.getBufferSize(), () => ended, this.log, group.settings.resolveLinks);
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

function newConsumer(
  call: ServerDuplexStream<PersistentReadReq, PersistentReadResp>,
  bufferSize: number,
  ended: () => boolean,
  log: EsdbLog,
  resolveLinks: boolean,
): Consumer {
  const metadata = call.metadata.get("connection-name")[0];
  return {
    id: randomUUID(),
    connectionName: typeof metadata === "string" ? metadata : "",
    slots: Math.max(1, bufferSize),
    inFlight: new Set(),
    totalItems: 0,
    ackLatenciesMs: [],
    send(event: StoredEvent, retryCount: number) {
      const { ReadEvent } = persistentPb.ReadResp;
      const readEvent = fillReadEvent(new ReadEvent(), () => new ReadEvent.RecordedEvent(), log, event, resolveLinks);
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
