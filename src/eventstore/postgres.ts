import { createHash, randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import pg from "pg";
import { defer, finalize, Subject } from "rxjs";
import { givingWay, survivingServerLoss, type Foreground } from "../db/pool.ts";
import { ConcurrencyError } from "../errors.ts";
import { assertAppendable } from "./appendRules.ts";
import { RecentLog } from "./recentLog.ts";
import { catchUpSubscription, type CatchUpSettings, type CatchUpSource, type SettledHead } from "./catchUpSubscription.ts";
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

export type PostgresEventStoreSettings = Partial<CatchUpSettings> & {
  /** Connections of the pool the store opens from a connection string; one more listens for appends. */
  poolSize?: number;
  /** Its own pool starts no read or append while this is busy (see `givingWay`): for the background thread's store. */
  givesWayTo?: Foreground;
  /** Wait before listening again after the listening connection failed. */
  relistenMs?: number;
  /**
   * Batches of appends on their way at once (by default one per core, at least two); what callers
   * ask for meanwhile waits to go as the next batch.
   */
  appendConcurrency?: number;
};

type StreamRead = { streamName: string; fromRevision: string | null; maxCount: number | null };
type StreamReads = { reads: Map<string, StreamRead>; done: Promise<Map<string, RecordedEvent[] | Error>> };

/** A caller's atomic append, waiting for its batch. */
type WaitingAppend = { appends: StreamAppend[]; settle(results: AppendResult[] | Error): void };

// More batches than cores only made them smaller: 16 writers appended 4,000-4,800 events/s with
// two batches on their way on 2 cores, 3,100-3,700/s with four.
const DEFAULT_APPEND_CONCURRENCY = Math.max(2, availableParallelism());

/** Events in a batch the store makes of waiting appends (one append bigger than this goes alone). */
const BATCH_EVENTS = 1000;

type EventRow = {
  position: string;
  stream_name: string;
  stream_revision: string;
  event_id: string;
  event_type: string;
  data: JsonObject;
  metadata: JsonObject;
  created_at: Date;
};

type AppendRow = {
  stream_append: number;
  next_revision: string | null;
  last_position: string | null;
  conflict_expected: string | null;
  conflict_actual: string | null;
};

const SELECT_EVENT = `select position, stream_name, stream_revision, event_id::text as event_id, event_type,
  data, metadata, created_at from event_log`;

/**
 * Each stream read in a batch with its own bounds, the index walked per read (`limit null` is no
 * limit); `read` is the read's place in the batch.
 */
const STREAM_READS = {
  forwards: `select r.read, e.* from unnest($1::text[], $2::bigint[], $3::int[]) with ordinality as r(stream, from_revision, max_count, read)
    cross join lateral (${SELECT_EVENT} where stream_name = r.stream and stream_revision >= coalesce(r.from_revision, 0)
      order by stream_revision asc limit r.max_count) e
    order by r.read, e.stream_revision asc`,
  backwards: `select r.read, e.* from unnest($1::text[], $2::bigint[], $3::int[]) with ordinality as r(stream, from_revision, max_count, read)
    cross join lateral (${SELECT_EVENT} where stream_name = r.stream and stream_revision <= coalesce(r.from_revision, 9223372036854775807)
      order by stream_revision desc limit r.max_count) e
    order by r.read, e.stream_revision desc`,
};

/** Written by a transaction older than every one still running: the scalar subquery is evaluated once per statement. */
/**
 * The horizon below which every appending transaction has ended: the oldest xid among the running
 * appenders (the holders of the shared lock each takes before its xid), else the next xid to be
 * assigned. Only appenders count, so a long read-model transaction on the same server holds
 * nothing back. A running transaction holds the lock on its own xid; pg_locks gives it in 32 bits,
 * widened to the xid8 the log stores by its distance from the snapshot's xmax (within 2^31 of it).
 */
const APPENDERS_HORIZON = `
  select coalesce(min(s.xmax + (((x.transactionid::text::bigint - s.xmax % 4294967296) + 6442450944) % 4294967296 - 2147483648)), min(s.xmax)) as horizon
  from (select pg_snapshot_xmax(pg_current_snapshot())::text::bigint as xmax) as s
  left join pg_locks as l on l.locktype = 'advisory' and l.granted and l.classid = 0 and l.objid = 7245022 and l.objsubid = 1
    and l.database = (select oid from pg_database where datname = current_database())
  left join pg_locks as x on x.pid = l.pid and x.locktype = 'transactionid' and x.mode = 'ExclusiveLock' and x.granted`;

const CHANNEL = "event_log";
const ANNOUNCE_COALESCE_MS = 5;

/**
 * The statement of a batch of appends, each atomic on its own and checked after the ones before it
 * (prisma/migrations/…_append_batches); one row per stream append, in order.
 */
export function batchStatement(batch: StreamAppend[][]): { text: string; values: unknown[] } {
  const streamAppends = batch.flatMap((appends, index) => appends.map((append) => ({ batchIndex: index + 1, append })));
  const events = streamAppends.flatMap(({ append }, index) => append.events.map((event) => ({ index: index + 1, event })));
  return {
    text: `select stream_append, next_revision, last_position, conflict_expected, conflict_actual
      from append_batch($1::int[], $2::text[], $3::text[], $4::int[], $5::uuid[], $6::text[], $7::jsonb[], $8::jsonb[])`,
    values: [
      streamAppends.map((s) => s.batchIndex),
      streamAppends.map((s) => s.append.streamName),
      streamAppends.map((s) => String(s.append.expectedRevision ?? "any")),
      events.map((e) => e.index),
      events.map((e) => e.event.id),
      events.map((e) => e.event.type),
      events.map((e) => JSON.stringify(e.event.data)),
      events.map((e) => JSON.stringify(e.event.metadata)),
    ],
  };
}

/** The statement of one atomic append; tests run it inside transactions of their own to commit late. */
export const appendStatement = (appends: StreamAppend[]) => batchStatement([appends]);

/**
 * The event log as a table in the read models' database, appended to through the
 * `append_to_streams` function (prisma/migrations/…_parallel_appends), one round trip per append.
 * Appends to different streams commit in parallel; appends to one stream wait for each other.
 *
 * Positions are drawn before commit, so a lower one can become visible after a higher one. The
 * function draws each append's xid and positions together under a short lock, which makes xid order
 * position order; every event at or below the newest one written by a transaction older than the
 * snapshot's xmin is therefore final. Subscriptions read only up to there (the settled head), so
 * they never skip a late commit, and claim to be caught up only that far. `readAll` and
 * `headPosition` show everything committed: what a caller just appended is there at once.
 */
export class PostgresEventStore implements EventStore {
  readonly appended = new Subject<void>();
  private readonly pool: pg.Pool;
  private readonly ownsPool: boolean;
  private readonly catchUp: CatchUpSettings;
  private readonly settledView: CatchUpSource;
  /** Sent with every notification, so the store ignores its own. */
  private readonly instance = randomUUID();
  private listener: pg.Client | undefined;
  private relisten: NodeJS.Timeout | undefined;
  private announcing = false;
  private announcePending = false;
  private closed = false;
  private readonly waitingAppends: WaitingAppend[] = [];
  private batchesOnTheirWay = 0;
  /** The stream reads asked for in this turn, by direction, and their shared query's outcome. */
  private readonly streamReads: Partial<Record<"forwards" | "backwards", StreamReads>> = {};
  private settledUpTo: bigint | undefined;
  private liveSubscriptions = 0;
  /** The settled-head read the subscriptions woken together share, started once they have all asked. */
  private nextHead: Promise<SettledHead> | undefined;
  private readonly recent = new RecentLog((after, upTo, maxCount) => this.read({ fromPosition: after + 1n, maxCount }, upTo));

  /** On a pool (left open on close) or a connection string (the store's own pool). */
  constructor(
    connection: pg.Pool | string,
    private readonly settings: PostgresEventStoreSettings = {},
  ) {
    this.ownsPool = typeof connection === "string";
    this.pool = typeof connection === "string" ? new pg.Pool({ connectionString: connection, max: settings.poolSize ?? 10 }) : connection;
    if (this.ownsPool) survivingServerLoss(this.pool);
    if (this.ownsPool && settings.givesWayTo) givingWay(this.pool, settings.givesWayTo);
    this.catchUp = {
      batchSize: settings.batchSize ?? 500,
      pollIntervalMs: settings.pollIntervalMs ?? 250,
      coalesceMs: settings.coalesceMs ?? 5,
    };
    this.settledView = {
      // A position once settled stays final, so the newest one any reader found bounds every read.
      // The recent log pays when several subscriptions share its reads; a lone one (the read models
      // an upload waits for, on their own thread) reads just the events its filter lets through.
      readAll: async (options) => {
        const settled = this.settledUpTo;
        if (settled === undefined) return [];
        if (this.liveSubscriptions < 2) return this.read(options, settled);
        return (await this.recent.read(options, settled)) ?? this.read(options, settled);
      },
      settledHead: () => this.sharedSettledHead(),
      appended: this.appended,
    };
    this.listen();
  }

  async appendToStream(
    streamName: string,
    events: EventToAppend[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    const [result] = await this.appendToStreams([{ streamName, events, expectedRevision: options.expectedRevision }]);
    return result!;
  }

  /**
   * Appends go as batches, each one transaction, one call and one commit, with at most
   * `appendConcurrency` on their way: an append asked for while they are all busy waits and goes
   * with the others that waited. Each append in a batch stays atomic and fails alone.
   */
  async appendToStreams(appends: StreamAppend[]): Promise<AppendResult[]> {
    assertAppendable(appends);
    const outcome = await new Promise<AppendResult[] | Error>((settle) => {
      this.waitingAppends.push({ appends, settle });
      this.sendWaitingAppends();
    });
    if (outcome instanceof Error) throw outcome;
    return outcome;
  }

  /**
   * Reads asked for in the same turn of the event loop go as one query per direction, sent at the
   * end of that turn: every caller asked before it was sent, so each sees what it would alone. The
   * processors reading each new draft's stream, or writers racing for one stream re-reading it
   * after a conflict, cost one round trip instead of one each.
   */
  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const direction = options.direction === "backwards" ? "backwards" : "forwards";
    const read: StreamRead = { streamName, fromRevision: options.fromRevision?.toString() ?? null, maxCount: maxCountOf(options) };
    const key = JSON.stringify(read);
    let batch = this.streamReads[direction];
    if (batch === undefined) {
      const reads = new Map<string, StreamRead>();
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.streamReads[direction] = undefined;
        return this.readStreams(direction, reads);
      });
      this.streamReads[direction] = batch = { reads, done };
    }
    batch.reads.set(key, read);
    const outcome = (await batch.done).get(key)!;
    if (outcome instanceof Error) throw outcome;
    return [...outcome];
  }

  /** A read the server refuses (a stream name it cannot take) fails alone: the others go again one by one. */
  private async readStreams(
    direction: "forwards" | "backwards",
    reads: Map<string, StreamRead>,
  ): Promise<Map<string, RecordedEvent[] | Error>> {
    const requested = [...reads.values()];
    try {
      const rows = await this.query<EventRow & { read: string }>(STREAM_READS[direction], [
        requested.map((r) => r.streamName),
        requested.map((r) => r.fromRevision),
        requested.map((r) => r.maxCount),
      ]);
      const events = requested.map((): RecordedEvent[] => []);
      for (const row of rows) events[Number(row.read) - 1]!.push(toRecordedEvent(row));
      return new Map([...reads.keys()].map((key, i) => [key, events[i]!]));
    } catch (error) {
      if (reads.size === 1) return new Map([[[...reads.keys()][0]!, error instanceof Error ? error : new Error(String(error))]]);
      const alone = await Promise.all([...reads].map(([key, read]) => this.readStreams(direction, new Map([[key, read]]))));
      return new Map(alone.flatMap((outcome) => [...outcome]));
    }
  }

  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.read(options);
  }

  async headPosition(): Promise<bigint | undefined> {
    const rows = await this.query<{ position: string | null }>("select max(position) as position from event_log", []);
    return optionalBigInt(rows[0]?.position);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}) {
    return defer(() => {
      this.liveSubscriptions++;
      return catchUpSubscription(this.settledView, options, this.catchUp).pipe(finalize(() => this.liveSubscriptions--));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.relisten);
    this.appended.complete();
    await this.listener?.end().catch(() => undefined);
    if (this.ownsPool) await this.pool.end();
  }

  private sendWaitingAppends(): void {
    while (this.batchesOnTheirWay < (this.settings.appendConcurrency ?? DEFAULT_APPEND_CONCURRENCY) && this.waitingAppends.length > 0) {
      const batch = takeBatch(this.waitingAppends);
      this.batchesOnTheirWay++;
      void this.appendBatch(batch).finally(() => {
        this.batchesOnTheirWay--;
        this.sendWaitingAppends();
      });
    }
  }

  private async appendBatch(batch: WaitingAppend[]): Promise<void> {
    let rows: AppendRow[];
    try {
      const { text, values } = batchStatement(batch.map((waiting) => waiting.appends));
      rows = await this.query<AppendRow>(text, values);
    } catch (error) {
      if (batch.length === 1) return batch[0]!.settle(error instanceof Error ? error : new Error(String(error)));
      // A failing append must not fail the others: each goes again alone (an append that did
      // commit before the failure is found by its event ids and written once).
      await Promise.all(batch.map((waiting) => this.appendBatch([waiting])));
      return;
    }
    rows.sort((a, b) => a.stream_append - b.stream_append);
    this.appended.next();
    this.announce();
    let row = 0;
    for (const { appends, settle } of batch) {
      const own = rows.slice(row, (row += appends.length));
      const conflict = own.findIndex((r) => r.conflict_expected !== null);
      if (conflict >= 0) {
        settle(new ConcurrencyError(appends[conflict]!.streamName, own[conflict]!.conflict_expected!, own[conflict]!.conflict_actual!));
        continue;
      }
      settle(own.map((r) => ({ nextExpectedRevision: BigInt(r.next_revision!), position: BigInt(r.last_position!) })));
    }
  }

  /** In position order from `fromPosition` (newest first backwards), up to `upTo` if given. */
  private async read(options: ReadAllOptions, upTo?: bigint): Promise<RecordedEvent[]> {
    const { streamNamePrefixes, eventTypePrefixes } = options.filter ?? {};
    const backwards = options.direction === "backwards";
    const from = options.fromPosition ?? (backwards ? BigInt(Number.MAX_SAFE_INTEGER) : 0n);
    const params: unknown[] = [from.toString(), maxCountOf(options)];
    const conditions = [backwards ? "position <= $1::bigint" : "position >= $1::bigint"];
    if (upTo !== undefined) {
      params.push(upTo.toString());
      conditions.push(`position <= $${params.length}::bigint`);
    }
    for (const [column, prefixes] of [
      ["stream_name", streamNamePrefixes],
      ["event_type", eventTypePrefixes],
    ] as const) {
      if (!prefixes) continue;
      params.push(prefixes.map((p) => `${p.replace(/[\\%_]/g, "\\$&")}%`));
      conditions.push(`${column} like any($${params.length}::text[])`);
    }
    const rows = await this.query<EventRow>(
      `${SELECT_EVENT} where ${conditions.join(" and ")} order by position ${backwards ? "desc" : "asc"} limit $2::int`,
      params,
    );
    return rows.map(toRecordedEvent);
  }

  /** Each statement is prepared once per connection, named after its text: planning it every time cost more than running it. */
  private async query<T extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<T[]> {
    let name = statementNames.get(text);
    if (name === undefined) statementNames.set(text, (name = `event_log_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`));
    return (await this.pool.query<T>({ name, text, values })).rows;
  }

  /**
   * Every subscription a wake-up reaches asks for the settled head at once; they share one read,
   * started after the last of them asked (the next turn of the event loop), so each gets a head
   * read after its own question, as if it had read alone.
   */
  private sharedSettledHead(): Promise<SettledHead> {
    this.nextHead ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.nextHead = undefined;
      return this.settledHead();
    });
    return this.nextHead;
  }

  /**
   * The horizon first, the log after, in a later snapshot: an appender below the horizon had ended
   * before it was taken, so its events are visible to the read; the settled head is found walking
   * down from the top of the log.
   */
  private async settledHead(): Promise<SettledHead> {
    const [bound] = await this.query<{ horizon: string }>(APPENDERS_HORIZON, []);
    const rows = await this.query<{ settled: string | null; committed: string | null }>(
      `select (select position from event_log where transaction_id < $1::bigint order by position desc limit 1) as settled,
              (select max(position) from event_log) as committed`,
      [bound!.horizon],
    );
    const head = { position: optionalBigInt(rows[0]?.settled), committed: optionalBigInt(rows[0]?.committed) };
    if (head.position !== undefined && (this.settledUpTo === undefined || head.position > this.settledUpTo))
      this.settledUpTo = head.position;
    return { ...head, position: this.settledUpTo };
  }

  /**
   * Tells stores in other processes that the log grew. Not from inside the append: a notifying
   * transaction holds a cluster-wide lock through its commit, which would serialise appends again.
   * One notification covers every append committed before it is sent, so appends a few
   * milliseconds apart share one.
   */
  private announce(): void {
    this.announcePending = true;
    if (this.announcing) return;
    this.announcing = true;
    void (async () => {
      while (this.announcePending && !this.closed) {
        await new Promise((resolve) => setTimeout(resolve, ANNOUNCE_COALESCE_MS));
        this.announcePending = false;
        await this.listener?.query("select pg_notify($1, $2)", [CHANNEL, this.instance]).catch(() => undefined);
      }
      this.announcing = false;
    })();
  }

  /** One connection LISTENs for other processes' appends; while it is down, subscribers poll. */
  private listen(): void {
    if (this.closed) return;
    const client = new pg.Client({ ...this.pool.options, application_name: "po-pipeline event log listener" });
    let failed = false;
    const fail = () => {
      if (failed) return;
      failed = true;
      if (this.listener === client) this.listener = undefined;
      client.end().catch(() => undefined);
      if (!this.closed) this.relisten = setTimeout(() => this.listen(), this.settings.relistenMs ?? 1000);
    };
    client.on("error", fail);
    client.on("end", fail);
    client.on("notification", (message) => {
      if (message.payload !== this.instance) this.appended.next();
    });
    client
      .connect()
      // Its notifications need no durable commit: a lost one costs a poll interval, nothing more.
      .then(() => client.query(`set synchronous_commit = off; listen ${CHANNEL}`))
      .then(() => {
        if (this.closed) return client.end();
        this.listener = client;
        // Appends made while nobody listened would otherwise wait for the poll.
        this.appended.next();
      })
      .catch(fail);
  }
}

/** The statements' prepared names, by text. */
const statementNames = new Map<string, string>();

/**
 * The waiting appends at the front that fit one batch: up to BATCH_EVENTS events, and no event id
 * twice (the batch checks each append against the log, not against the appends beside it).
 */
function takeBatch(waiting: WaitingAppend[]): WaitingAppend[] {
  const batch = [waiting.shift()!];
  const ids = new Set(batch[0]!.appends.flatMap((append) => append.events.map((event) => event.id)));
  let events = ids.size;
  while (waiting.length > 0) {
    const next = waiting[0]!.appends.flatMap((append) => append.events.map((event) => event.id));
    if (events + next.length > BATCH_EVENTS || next.some((id) => ids.has(id))) break;
    for (const id of next) ids.add(id);
    events += next.length;
    batch.push(waiting.shift()!);
  }
  return batch;
}

/** `limit null` is no limit. */
function maxCountOf(options: { maxCount?: number }): number | null {
  return options.maxCount === undefined ? null : Math.max(0, Math.floor(options.maxCount));
}

function optionalBigInt(value: string | null | undefined): bigint | undefined {
  return value === null || value === undefined ? undefined : BigInt(value);
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.event_type,
    data: row.data,
    metadata: row.metadata,
    streamName: row.stream_name,
    revision: BigInt(row.stream_revision),
    position: BigInt(row.position),
    created: new Date(row.created_at),
  };
}
