import { Subject } from "rxjs";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { ConcurrencyError } from "../errors.ts";
import { assertAppendable } from "./appendRules.ts";
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
 * The embedded default's event log: a table in the read models' database, appended to through the
 * `append_to_streams` function (prisma/migrations/…_append_function), one round trip per append.
 * It serialises appends with an advisory lock taken before positions are drawn, so positions
 * become visible strictly in order: a reader that has seen position n has seen every committed
 * position below it, and a transaction that commits late is never skipped.
 */
export type PostgresEventStoreSettings = Partial<CatchUpSettings> & {
  /** Fault injection for tests: runs inside the append's transaction, after the insert, before commit. */
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
    this.catchUp = { batchSize: settings.batchSize ?? 500, pollIntervalMs: settings.pollIntervalMs ?? 250, coalesceMs: settings.coalesceMs ?? 5 };
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
    const events = appends.flatMap((append, index) => append.events.map((event) => ({ index: index + 1, event })));
    const call = (client: RawClient) =>
      client.$queryRawUnsafe<{ append_index: number; next_revision: bigint; last_position: bigint }[]>(
        `select append_index, next_revision, last_position
         from append_to_streams($1::text[], $2::text[], $3::int[], $4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[])`,
        appends.map((a) => a.streamName),
        appends.map((a) => String(a.expectedRevision ?? "any")),
        events.map((e) => e.index),
        events.map((e) => e.event.id),
        events.map((e) => e.event.type),
        events.map((e) => JSON.stringify(e.event.data)),
        events.map((e) => JSON.stringify(e.event.metadata)),
      );
    const { beforeCommit } = this.settings;
    let rows;
    try {
      rows = beforeCommit
        ? await this.prisma.$transaction(async (tx) => {
            const result = await call(tx);
            for (const append of appends) await beforeCommit(append.streamName);
            return result;
          })
        : await call(this.prisma);
    } catch (error) {
      throw asConcurrencyError(error) ?? error;
    }
    this.appended.next();
    return rows
      .sort((a, b) => a.append_index - b.append_index)
      .map((row) => ({ nextExpectedRevision: BigInt(row.next_revision), position: BigInt(row.last_position) }));
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
    const { streamNamePrefixes, eventTypePrefixes } = options.filter ?? {};
    const params: unknown[] = [(options.fromPosition ?? 0n).toString()];
    const conditions = ["position >= $1::bigint"];
    for (const [column, prefixes] of [["stream_name", streamNamePrefixes], ["event_type", eventTypePrefixes]] as const) {
      if (!prefixes) continue;
      params.push(prefixes.map((p) => `${p.replace(/[\\%_]/g, "\\$&")}%`));
      conditions.push(`${column} like any($${params.length}::text[])`);
    }
    const rows = await this.prisma.$queryRawUnsafe<EventRow[]>(`${SELECT_EVENT} where ${conditions.join(" and ")} order by position${limit}`, ...params);
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

/** The append function signals a wrong expected version as `wrong_expected_version|stream|expected|actual`. */
function asConcurrencyError(error: unknown): ConcurrencyError | undefined {
  const match = /wrong_expected_version\|([^|]*)\|([^|]*)\|([^|"\n]*)/.exec(error instanceof Error ? error.message : String(error));
  return match ? new ConcurrencyError(match[1]!, match[2]!, match[3]!.trim()) : undefined;
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
