import type { PrismaClient } from "../generated/prisma/client.ts";

type CheckpointClient = Pick<PrismaClient, "checkpoint">;

/** A consumer's batches and an operator's retry or skip of its quarantine never interleave: each takes this in its transaction. */
export function lockConsumer(tx: Pick<PrismaClient, "$executeRawUnsafe">, consumer: string): Promise<unknown> {
  return tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock(hashtextextended($1, 1))", consumer);
}

/**
 * The checkpoint moved under this consumer: another instance is running it (two processes, or a
 * lease lost and taken over). The write it guarded is rolled back; this instance must stop.
 */
export class CheckpointMovedError extends Error {
  override readonly name = "CheckpointMovedError";
  constructor(
    readonly consumer: string,
    readonly expected: bigint | undefined,
  ) {
    super(`The checkpoint of ${consumer} is no longer at ${expected ?? "the start"}: another instance is running it; this one stops`);
  }
}

/** Where a consumer has got to in the global log; undefined before its first event. */
export async function loadCheckpoint(prisma: CheckpointClient, consumer: string): Promise<bigint | undefined> {
  const row = await prisma.checkpoint.findUnique({ where: { subscriber: consumer } });
  return row?.position;
}

/** Compare-and-set: moves the checkpoint from `from` to `to`, or throws CheckpointMovedError. */
export async function advanceCheckpoint(prisma: CheckpointClient, consumer: string, from: bigint | undefined, to: bigint): Promise<void> {
  const { count } =
    from === undefined
      ? await prisma.checkpoint.createMany({ data: [{ subscriber: consumer, position: to }], skipDuplicates: true })
      : await prisma.checkpoint.updateMany({ where: { subscriber: consumer, position: from }, data: { position: to } });
  if (count !== 1) throw new CheckpointMovedError(consumer, from);
}
