import { Subject } from "rxjs";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { assertExpectedRevision, idempotentResult, type AlreadyAppended } from "./appendRules.ts";
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
    if (events.length === 0) throw new Error("appendToStream needs at least one event");
    const result = await this.prisma.$transaction(
      async (tx) => {
        await tx.$queryRawUnsafe(`select pg_advisory_xact_lock(${APPEND_LOCK_KEY})::text`);
        const current = await currentRevision(tx, streamName);
        const repeated = idempotentResult(streamName, events, await alreadyAppended(tx, streamName, events), current);
        if (repeated) return { result: repeated, wrote: false };
        assertExpectedRevision(streamName, options.expectedRevision ?? "any", current);
        const written = await insertEvents(tx, streamName, current === undefined ? 0n : current + 1n, events);
        await tx.$queryRawUnsafe(`select pg_notify('event_log', '')::text`);
        await this.settings.beforeCommit?.(streamName);
        return { result: written, wrote: true };
      },
      { maxWait: 30_000, timeout: 60_000 },
    );
    if (result.wrote) this.appended.next();
    return result.result;
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

  subscribeToAll(options: SubscribeToAllOptions = {}) {
    return catchUpSubscription(this, options, this.catchUp);
  }

  async close(): Promise<void> {
    this.appended.complete();
  }
}

async function currentRevision(tx: RawClient, streamName: string): Promise<bigint | undefined> {
  const [row] = await tx.$queryRawUnsafe<{ revision: bigint | null }[]>(
    "select max(stream_revision) as revision from event_log where stream_name = $1",
    streamName,
  );
  return row?.revision ?? undefined;
}

async function alreadyAppended(tx: RawClient, streamName: string, events: EventToAppend[]) {
  const rows = await tx.$queryRawUnsafe<{ event_id: string; stream_revision: bigint; position: bigint }[]>(
    `select event_id::text as event_id, stream_revision, position from event_log
     where stream_name = $1 and event_id = any($2::uuid[])`,
    streamName,
    events.map((e) => e.id),
  );
  return new Map<string, AlreadyAppended>(
    rows.map((r) => [r.event_id, { revision: BigInt(r.stream_revision), position: BigInt(r.position) }]),
  );
}

async function insertEvents(
  tx: RawClient,
  streamName: string,
  firstRevision: bigint,
  events: EventToAppend[],
): Promise<AppendResult> {
  const rows = await tx.$queryRawUnsafe<{ position: bigint; stream_revision: bigint }[]>(
    `insert into event_log (stream_name, stream_revision, event_id, event_type, data, metadata)
     select $1, $2::bigint + e.ord - 1, e.id::uuid, e.type, e.data::jsonb, e.metadata::jsonb
     from unnest($3::text[], $4::text[], $5::text[], $6::text[]) with ordinality as e(id, type, data, metadata, ord)
     order by e.ord
     returning position, stream_revision`,
    streamName,
    firstRevision.toString(),
    events.map((e) => e.id),
    events.map((e) => e.type),
    events.map((e) => JSON.stringify(e.data)),
    events.map((e) => JSON.stringify(e.metadata)),
  );
  const last = rows.reduce((a, b) => (BigInt(b.position) > BigInt(a.position) ? b : a));
  return { nextExpectedRevision: BigInt(last.stream_revision), position: BigInt(last.position) };
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
