import { loadCheckpoint } from "../consumers/checkpoints.ts";
import type { EventStore, RecordedEvent } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { chainHash } from "./eventHash.ts";
import { HASH_CHAIN_CONSUMER } from "./hashChain.ts";

const PAGE_SIZE = 2_000;

export type LogProblem = {
  /** altered: its content no longer gives its hash; inserted: an event the chain never saw; removed: a hash whose event is gone. */
  kind: "altered" | "inserted" | "removed";
  position: string;
  stream?: string;
  type?: string;
};

export type LogVerification = {
  verified: number;
  /** How far the chain goes; later events are not chained yet. */
  chainedThrough: string | null;
  /** The newest hash verified: an auditor who keeps it can tell later whether the chain up to it was rewritten. */
  headHash: string | null;
  unchained: number;
  problem: LogProblem | null;
};

type StoredHash = { position: bigint; hash: Buffer };

async function* events(store: EventStore): AsyncGenerator<RecordedEvent> {
  for (let from = 0n; ;) {
    const page = await store.readAll({ fromPosition: from, maxCount: PAGE_SIZE });
    if (page.length === 0) return;
    yield* page;
    from = page.at(-1)!.position + 1n;
  }
}

async function* hashes(prisma: PrismaClient): AsyncGenerator<StoredHash> {
  for (let from = 0n; ;) {
    const page = await prisma.eventHash.findMany({ where: { position: { gte: from } }, orderBy: { position: "asc" }, take: PAGE_SIZE });
    if (page.length === 0) return;
    for (const row of page) yield { position: row.position, hash: Buffer.from(row.hash) };
    from = page.at(-1)!.position + 1n;
  }
}

/**
 * Computes the chain again from the log and walks it beside the stored one, in position order,
 * stopping at the first event that was altered, inserted or removed. Each stored hash is checked
 * against the stored hash before it, so the event named is the one at fault, not merely the first
 * of every later one a change would break.
 */
export async function verifyLog(store: EventStore, prisma: PrismaClient): Promise<LogVerification> {
  const chainedThrough = await loadCheckpoint(prisma, HASH_CHAIN_CONSUMER);
  const log = events(store);
  const chain = hashes(prisma);
  let event = await log.next();
  let stored = await chain.next();
  let previous: Buffer | undefined;
  let verified = 0;
  let unchained = 0;
  const report = (problem: LogProblem | null): LogVerification => ({
    verified,
    chainedThrough: chainedThrough?.toString() ?? null,
    headHash: previous?.toString("hex") ?? null,
    unchained,
    problem,
  });
  const described = (e: RecordedEvent) => ({ position: e.position.toString(), stream: e.streamName, type: e.type });
  while (!event.done || !stored.done) {
    if (!stored.done && (event.done || stored.value.position < event.value.position))
      return report({ kind: "removed", position: stored.value.position.toString() });
    if (!event.done && (stored.done || event.value.position < stored.value.position)) {
      if (chainedThrough !== undefined && event.value.position <= chainedThrough)
        return report({ kind: "inserted", ...described(event.value) });
      unchained++;
      event = await log.next();
      continue;
    }
    const e = event.value as RecordedEvent;
    const s = stored.value as StoredHash;
    if (!chainHash(previous, e).equals(s.hash)) return report({ kind: "altered", ...described(e) });
    previous = s.hash;
    verified++;
    [event, stored] = await Promise.all([log.next(), chain.next()]);
  }
  return report(null);
}
