import { Subject } from "rxjs";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { assertAppendable, assertExpectedRevision, idempotentResult, type AlreadyAppended } from "./appendRules.ts";
import { catchUpSubscription, type CatchUpSettings } from "./catchUpSubscription.ts";
import type {
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  JsonObject,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeToAllOptions,
} from "./port.ts";

/**
 * Appends are serialised by one transaction-scoped advisory lock taken before a position is
 * drawn from the sequence. So positions become visible strictly in order: a reader that sees
 * position n has seen every committed position below n. Without it, a transaction that drew a
 * lower position but commits late would be skipped by any reader that already moved past it.
 */
const APPEND_LOCK_KEY = 7_245_019;

export type PostgresEventStoreSettings = Partial<CatchUpSettings> & {
  /** Fault injection for tests: runs inside the append transaction, after the insert, before commit. */
  beforeCommit?: (streamName: string) => Promise<void>;
};

type EventRow = {
  position: bigint;
  stream_name: string;
  stream_revision: bigint;
  event_id: string;
  event_type: string;
  data: JsonObject;
  metadata: JsonObject;
  created_at: Date;
};

const SELECT_EVENT = `select position, stream_name, stream_revision, event_id::text as event_id, event_type,
  data, metadata, created_at from event_log`;

type RawClient = Pick<PrismaClient, "$queryRawUnsafe">;

export class PostgresEventStore implements EventStore {
  readonly appended = new Subject<void>();
  private readonly catchUp: CatchUpSettings;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly settings: PostgresEventStoreSettings = {},
  ) {
    this.catchUp = { batchSize: settings.batchSize ?? 500, pollIntervalMs: settings.pollIntervalMs ?? 250 };
  }

  async appendToStream(
    streamName: string,
    events: EventToAppend[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    const [result] = await this.appendToStreams([{ streamName, events, expectedRevision: options.expectedRevision }]);
    return result!;
  }

  async appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]> {
    assertAppendable(appends);
    const { results, wrote } = await this.prisma.$transaction(
      async (tx) => {
        await tx.$queryRawUnsafe(`select pg_advisory_xact_lock(${APPEND_LOCK_KEY})::text`);
        const streams = await streamStates(tx, appends);
        const toWrite: PendingAppend[] = [];
        const planned = appends.map((append, index) => {
          const { current, alreadyAppended } = streams.get(append.streamName)!;
          const repeated = idempotentResult(append.streamName, append.events, alreadyAppended, current);
          if (repeated) return repeated;
          assertExpectedRevision(append.streamName, append.expectedRevision ?? "any", current);
          toWrite.push({ index, append, firstRevision: current === undefined ? 0n : current + 1n });
          return undefined;
        });
        if (toWrite.length === 0) return { results: planned as AppendResult[], wrote: false };
        const written = await insertEvents(tx, toWrite);
        await tx.$queryRawUnsafe(`select pg_notify('event_log', '')::text`);
        for (const append of toWrite) await this.settings.beforeCommit?.(append.append.streamName);
        return { results: planned.map((result, index) => result ?? written.get(index)!), wrote: true };
      },
      { maxWait: 30_000, timeout: 60_000 },
    );
    if (wrote) this.appended.next();
    return results;
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === "backwards";
    const params: unknown[] = [streamName];
    let where = "stream_name = $1";
    if (options.fromRevision !== undefined) {
      params.push(options.fromRevision.toString());
      where += backwards ? " and stream_revision <= $2::bigint" : " and stream_revision >= $2::bigint";
    }
    const limit = options.maxCount === undefined ? "" : ` limit ${Math.max(0, Math.floor(options.maxCount))}`;
    const rows = await this.prisma.$queryRawUnsafe<EventRow[]>(
      `${SELECT_EVENT} where ${where} order by stream_revision ${backwards ? "desc" : "asc"}${limit}`,
      ...params,
    );
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount === undefined ? "" : ` limit ${Math.max(0, Math.floor(options.maxCount))}`;
    const rows = await this.prisma.$queryRawUnsafe<EventRow[]>(
      `${SELECT_EVENT} where position >= $1::bigint order by position${limit}`,
      (options.fromPosition ?? 0n).toString(),
    );
    return rows.map(toRecordedEvent);
  }

  async headPosition(): Promise<bigint | undefined> {
    const [row] = await this.prisma.$queryRawUnsafe<{ position: bigint | null }[]>("select max(position) as position from event_log");
    return row?.position === null || row?.position === undefined ? undefined : BigInt(row.position);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}) {
    return catchUpSubscription(this, options, this.catchUp);
  }

  async close(): Promise<void> {
    this.appended.complete();
  }
}

type PendingAppend = { index: number; append: StreamAppend; firstRevision: bigint };

async function streamStates(tx: RawClient, appends: StreamAppend[]) {
  const names = appends.map((a) => a.streamName);
  const revisions = await tx.$queryRawUnsafe<{ stream_name: string; revision: bigint }[]>(
    `select stream_name, max(stream_revision) as revision from event_log where stream_name = any($1::text[]) group by stream_name`,
    names,
  );
  const existing = await tx.$queryRawUnsafe<{ stream_name: string; event_id: string; stream_revision: bigint; position: bigint }[]>(
    `select stream_name, event_id::text as event_id, stream_revision, position from event_log
     where event_id = any($1::uuid[]) and stream_name = any($2::text[])`,
    appends.flatMap((a) => a.events.map((e) => e.id)),
    names,
  );
  const states = new Map(names.map((name) => [name, { current: undefined as bigint | undefined, alreadyAppended: new Map<string, AlreadyAppended>() }]));
  for (const row of revisions) states.get(row.stream_name)!.current = BigInt(row.revision);
  for (const row of existing) {
    states.get(row.stream_name)!.alreadyAppended.set(row.event_id, { revision: BigInt(row.stream_revision), position: BigInt(row.position) });
  }
  return states;
}

/** One insert for the whole batch; returns each written append's result by its index. */
async function insertEvents(tx: RawClient, pending: PendingAppend[]): Promise<Map<number, AppendResult>> {
  const rows = pending.flatMap(({ index, append, firstRevision }) =>
    append.events.map((event, offset) => ({ index, streamName: append.streamName, revision: firstRevision + BigInt(offset), event })),
  );
  const inserted = await tx.$queryRawUnsafe<{ position: bigint; stream_revision: bigint }[]>(
    `insert into event_log (stream_name, stream_revision, event_id, event_type, data, metadata)
     select e.stream_name, e.revision::bigint, e.id::uuid, e.type, e.data::jsonb, e.metadata::jsonb
     from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
       with ordinality as e(stream_name, revision, id, type, data, metadata, ord)
     order by e.ord
     returning position, stream_revision`,
    rows.map((r) => r.streamName),
    rows.map((r) => r.revision.toString()),
    rows.map((r) => r.event.id),
    rows.map((r) => r.event.type),
    rows.map((r) => JSON.stringify(r.event.data)),
    rows.map((r) => JSON.stringify(r.event.metadata)),
  );
  // Positions are drawn in insert order, which is the order of `rows`.
  const positions = inserted.map((r) => BigInt(r.position)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const results = new Map<number, AppendResult>();
  rows.forEach((row, i) => results.set(row.index, { nextExpectedRevision: row.revision, position: positions[i]! }));
  return results;
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.event_type,
    data: parseJson(row.data),
    metadata: parseJson(row.metadata),
    streamName: row.stream_name,
    revision: BigInt(row.stream_revision),
    position: BigInt(row.position),
    created: new Date(row.created_at),
  };
}

function parseJson(value: JsonObject | string): JsonObject {
  return typeof value === "string" ? (JSON.parse(value) as JsonObject) : value;
}
