/**
 * The message classes and service definitions generated inside @eventstore/db-client, loaded
 * through the same package path the client loads them from: google-protobuf's serializers check
 * `instanceof`, so a message built from another copy of these files would not serialize.
 */
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import streamsGrpc from "@eventstore/db-client/generated/streams_grpc_pb.js";
import streamsPb from "@eventstore/db-client/generated/streams_pb.js";
import persistentGrpc from "@eventstore/db-client/generated/persistent_grpc_pb.js";
import persistentPb from "@eventstore/db-client/generated/persistent_pb.js";
import featuresGrpc from "@eventstore/db-client/generated/serverfeatures_grpc_pb.js";
import featuresPb from "@eventstore/db-client/generated/serverfeatures_pb.js";
import sharedPb from "@eventstore/db-client/generated/shared_pb.js";
import statusPb from "@eventstore/db-client/generated/status_pb.js";
import codePb from "@eventstore/db-client/generated/code_pb.js";
import anyPb from "google-protobuf/google/protobuf/any_pb.js";
import emptyPb from "google-protobuf/google/protobuf/empty_pb.js";

export { streamsGrpc, streamsPb, persistentGrpc, persistentPb, featuresGrpc, featuresPb, sharedPb, statusPb, codePb, anyPb, emptyPb };

export type StreamsReadReq = InstanceType<typeof streamsPb.ReadReq>;
export type StreamsReadResp = InstanceType<typeof streamsPb.ReadResp>;
export type PersistentReadReq = InstanceType<typeof persistentPb.ReadReq>;
export type PersistentReadResp = InstanceType<typeof persistentPb.ReadResp>;

export function streamIdentifier(streamName: string) {
  const identifier = new sharedPb.StreamIdentifier();
  identifier.setStreamName(Uint8Array.from(Buffer.from(streamName, "utf8")));
  return identifier;
}

export function streamNameOf(identifier: { getStreamName_asU8(): Uint8Array } | undefined): string {
  return identifier ? Buffer.from(identifier.getStreamName_asU8()).toString("utf8") : "";
}

export function uuidMessage(id: string) {
  const uuid = new sharedPb.UUID();
  uuid.setString(id);
  return uuid;
}

/** The client sends string UUIDs; a structured one is turned into the same text form. */
export function uuidText(uuid: InstanceType<typeof sharedPb.UUID> | undefined): string {
  if (!uuid) return "";
  if (uuid.hasStructured()) {
    const structured = uuid.getStructured()!;
    const hex =
      BigInt.asUintN(64, BigInt(structured.getMostSignificantBits())).toString(16).padStart(16, "0") +
      BigInt.asUintN(64, BigInt(structured.getLeastSignificantBits())).toString(16).padStart(16, "0");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return uuid.getString().toLowerCase();
}

/** A gRPC error carrying EventStoreDB's typed-error trailers (`exception`, `stream-name`, ...). */
export function typedError(code: status, details: string, trailers: Record<string, string> = {}): ServiceError {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return Object.assign(new Error(details), { code, details, metadata });
}

export function unimplemented(method: string): ServiceError {
  return typedError(status.UNIMPLEMENTED, `${method} is not implemented by the EventStoreDB test server`);
}
