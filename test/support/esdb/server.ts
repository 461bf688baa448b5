/**
 * An in-process gRPC server speaking EventStoreDB's client protocol over an in-memory log, for
 * testing the adapter with the real @eventstore/db-client. Start one per test file and `reset()`
 * between tests: stopping it cancels the client's calls and makes it reset its channel.
 *
 * Not a database: no persistence, no ACLs, no projections, no stream deletion or metadata; such
 * calls answer UNIMPLEMENTED naming the method.
 */
import {
  Server,
  ServerCredentials,
  type MethodDefinition,
  type ServiceDefinition,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import gossipGrpc from "@eventstore/db-client/generated/gossip_grpc_pb.js";
import operationsGrpc from "@eventstore/db-client/generated/operations_grpc_pb.js";
import projectionsGrpc from "@eventstore/db-client/generated/projections_grpc_pb.js";
import usersGrpc from "@eventstore/db-client/generated/users_grpc_pb.js";
import monitoringGrpc from "@eventstore/db-client/generated/monitoring_grpc_pb.js";
import { appendHandler, batchAppendHandler } from "./appends.ts";
import { EsdbLog } from "./log.ts";
import { PersistentSubscriptions } from "./persistent.ts";
import { featuresGrpc, featuresPb, persistentGrpc, streamsGrpc, unimplemented } from "./protocol.ts";
import { readHandler, type CallRegistry } from "./reads.ts";

export type EsdbTestServerOptions = {
  /** List Streams/BatchAppend in the server features (the client then appends through it). Default true. */
  batchAppend?: boolean;
  /** Answer ServerFeatures/GetSupportedMethods at all; false makes the client assume an old server. Default true. */
  serverFeatures?: boolean;
  /** A `$statsCollected` system event is written after every this many user appends. Default 5. */
  systemEventEvery?: number;
};

export type EsdbTestServer = {
  /** `esdb://127.0.0.1:<port>?tls=false` */
  url: string;
  /** Forgets every stream and subscription group and ends open subscriptions. */
  reset(): void;
  stop(): Promise<void>;
  readonly log: EsdbLog;
  /** How many calls each method received, by path (e.g. `/event_store.client.streams.Streams/BatchAppend`). */
  readonly calls: Map<string, number>;
};

type AnyService = ServiceDefinition<UntypedServiceImplementation>;

/** Every method of the service gets a handler; those not given answer UNIMPLEMENTED naming it. */
function implement(service: AnyService, handlers: Record<string, unknown>, calls: Map<string, number>): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(service) as [string, MethodDefinition<unknown, unknown>][]) {
    const handler = ((handlers[name] as UntypedHandleCall | undefined) ?? unimplementedHandler(method)) as (...args: unknown[]) => void;
    implementation[name] = ((...args: unknown[]) => {
      calls.set(method.path, (calls.get(method.path) ?? 0) + 1);
      handler(...args);
    }) as UntypedHandleCall;
  }
  return implementation;
}

function unimplementedHandler(method: MethodDefinition<unknown, unknown>): UntypedHandleCall {
  const error = () => unimplemented(method.path);
  if (!method.responseStream) {
    return ((_call: unknown, callback: (e: Error) => void) => callback(error())) as UntypedHandleCall;
  }
  return ((call: { emit(event: "error", e: Error): void }) => call.emit("error", error())) as UntypedHandleCall;
}

function supportedMethods(batchAppend: boolean) {
  const methods = new featuresPb.SupportedMethods();
  methods.setEventStoreServerVersion("23.10.0-test");
  const add = (service: string, method: string, features: string[] = []) => {
    const supported = new featuresPb.SupportedMethod();
    supported.setServiceName(service);
    supported.setMethodName(method);
    supported.setFeaturesList(features);
    methods.addMethods(supported);
  };
  const streams = "event_store.client.streams.Streams";
  add(streams, "read");
  add(streams, "append");
  if (batchAppend) add(streams, "batchappend");
  const persistent = "event_store.client.persistent_subscriptions.PersistentSubscriptions";
  for (const method of ["create", "update", "delete", "read", "getinfo", "replayparked", "list"]) {
    add(persistent, method, ["stream", "all"]);
  }
  add(persistent, "restartsubsystem");
  return methods;
}

export async function startEsdbTestServer(options: EsdbTestServerOptions = {}): Promise<EsdbTestServer> {
  const { batchAppend = true, serverFeatures = true, systemEventEvery = 5 } = options;
  const log = new EsdbLog(systemEventEvery);
  const openCalls: CallRegistry = new Set();
  const persistent = new PersistentSubscriptions(log);
  const server = new Server();
  const calls = new Map<string, number>();

  server.addService(
    streamsGrpc.StreamsService as unknown as AnyService,
    implement(
      streamsGrpc.StreamsService as unknown as AnyService,
      {
        read: readHandler(log, openCalls),
        append: appendHandler(log),
        ...(batchAppend ? { batchAppend: batchAppendHandler(log) } : {}),
      },
      calls,
    ),
  );
  server.addService(
    persistentGrpc.PersistentSubscriptionsService as unknown as AnyService,
    implement(persistentGrpc.PersistentSubscriptionsService as unknown as AnyService, persistent.handlers(), calls),
  );
  server.addService(
    featuresGrpc.ServerFeaturesService as unknown as AnyService,
    implement(
      featuresGrpc.ServerFeaturesService as unknown as AnyService,
      serverFeatures
        ? {
            getSupportedMethods: (_call: unknown, callback: (e: null, r: unknown) => void) => callback(null, supportedMethods(batchAppend)),
          }
        : {},
      calls,
    ),
  );
  for (const service of [
    gossipGrpc.GossipService,
    operationsGrpc.OperationsService,
    projectionsGrpc.ProjectionsService,
    usersGrpc.UsersService,
    monitoringGrpc.MonitoringService,
  ] as unknown as AnyService[]) {
    server.addService(service, implement(service, {}, calls));
  }

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );

  const endOpenCalls = () => {
    for (const call of [...openCalls]) call.end();
  };
  return {
    url: `esdb://127.0.0.1:${port}?tls=false`,
    log,
    calls,
    reset() {
      endOpenCalls();
      persistent.reset();
      log.reset();
    },
    async stop() {
      persistent.reset();
      endOpenCalls();
      server.forceShutdown();
    },
  };
}
