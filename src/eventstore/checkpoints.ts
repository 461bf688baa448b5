import type { PrismaClient } from "../generated/prisma/client.ts";

type CheckpointClient = Pick<PrismaClient, "checkpoint">;

/** Where a subscriber (projection or process manager) has got to in the global log. */
export async function loadCheckpoint(prisma: CheckpointClient, subscriber: string): Promise<bigint | undefined> {
  const row = await prisma.checkpoint.findUnique({ where: { subscriber } });
  return row?.position;
}

export async function saveCheckpoint(prisma: CheckpointClient, subscriber: string, position: bigint): Promise<void> {
  await prisma.checkpoint.upsert({
    where: { subscriber },
    create: { subscriber, position },
    update: { position },
  });
}
