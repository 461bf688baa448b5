import { z } from "zod";
import type { EventStore, RecordedEvent } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { eventRecord } from "./eventHash.ts";

const PAGE_SIZE = 1_000;

export type ExportScope = { stream?: string; merchant?: string };

/** One line of an export: the event as the log records it, and its place in the hash chain (null where not chained yet). */
export const ExportedEvent = z.object({
  position: z.string().regex(/^\d+$/),
  stream: z.string().min(1),
  revision: z.string().regex(/^\d+$/),
  id: z.uuid(),
  type: z.string().min(1),
  data: z.record(z.string(), z.unknown()),
  metadata: z.record(z.string(), z.unknown()),
  created: z.iso.datetime(),
  previousHash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  hash: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
});
export type ExportedEvent = z.infer<typeof ExportedEvent>;

export const recordedFrom = (line: ExportedEvent): RecordedEvent => ({
  position: BigInt(line.position),
  streamName: line.stream,
  revision: BigInt(line.revision),
  id: line.id,
  type: line.type,
  data: line.data,
  metadata: line.metadata,
  created: new Date(line.created),
});

async function* pages(store: EventStore, scope: ExportScope): AsyncGenerator<RecordedEvent[]> {
  if (scope.stream) {
    for (let revision = 0n; ;) {
      const page = await store.readStream(scope.stream, { fromRevision: revision, maxCount: PAGE_SIZE });
      if (page.length === 0) return;
      yield page;
      revision = page.at(-1)!.revision + 1n;
    }
  }
  for (let from = 0n; ;) {
    const page = await store.readAll({ fromPosition: from, maxCount: PAGE_SIZE });
    if (page.length === 0) return;
    yield scope.merchant ? page.filter((event) => event.metadata.merchantId === scope.merchant) : page;
    from = page.at(-1)!.position + 1n;
  }
}

/**
 * A stream, a merchant's events or the whole log as NDJSON lines, a page at a time (constant memory
 * whatever the log's size). Each line carries its hash and the hash before it in the chain over
 * `$all`, so every line can be checked on its own, and a whole export from end to end.
 */
export async function* exportLog(store: EventStore, prisma: PrismaClient, scope: ExportScope): AsyncGenerator<string> {
  for await (const page of pages(store, scope)) {
    if (page.length === 0) continue;
    const chained = await prisma.$queryRawUnsafe<{ position: string; hash: string; previous: string | null }[]>(
      `select h.position::text as position, encode(h.hash, 'hex') as hash,
         encode((select p.hash from event_hash p where p.position < h.position order by p.position desc limit 1), 'hex') as previous
       from event_hash h where h.position = any($1::bigint[])`,
      page.map((event) => event.position.toString()),
    );
    const byPosition = new Map(chained.map((row) => [row.position, row]));
    for (const event of page) {
      const link = byPosition.get(event.position.toString());
      const line: ExportedEvent = {
        ...eventRecord(event),
        previousHash: link?.previous ?? null,
        hash: link?.hash ?? null,
      };
      yield `${JSON.stringify(line)}\n`;
    }
  }
}
