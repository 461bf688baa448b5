/**
 * The test server's storage: one in-memory log of every stream, EventStoreDB-style.
 *
 * Positions are as EventStoreDB (5.0 and later) writes them: an append over gRPC is one prepare
 * record per event, each committed by itself, so an event's commit and prepare positions are both
 * its record's log position; the events of one append are contiguous and the append reports its
 * last event's position. Positions are byte offsets, stepping by each record's size. Only an
 * explicit transaction (the TCP API's TransactionStart/Write/Commit; gRPC has none) gives several
 * events one commit position: its prepares are written as they come, between other writes, and its
 * commit record after them; `$all` orders by commit position, then prepare position.
 */
export type StoredEvent = {
  id: string;
  streamName: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  revision: bigint;
  /** The log position of the event's record: its prepare position. */
  position: bigint;
  /** Where the next record starts. */
  postPosition: bigint;
  /** The position of the record that committed it: its own, or its explicit transaction's commit record. */
  commitPosition: bigint;
  /** Where the record after the committing one starts. */
  commitPostPosition: bigint;
  /** 100ns ticks since the Unix epoch, as EventStoreDB sends `created`. */
  createdTicks: string;
};

export type ProposedEvent = Pick<StoredEvent, "id" | "type" | "contentType" | "data" | "customMetadata">;

export type Expected = { kind: "any" } | { kind: "no_stream" } | { kind: "stream_exists" } | { kind: "revision"; revision: bigint };

export type AppendOutcome = { ok: true; revision: bigint; position: bigint } | { ok: false; current: bigint | undefined };

/** A position in `$all` as clients send it; EventStoreDB orders them commit first, then prepare. */
export type LogPosition = { commit: bigint; prepare: bigint };

export function comparePositions(a: LogPosition, b: LogPosition): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  return a.prepare === b.prepare ? 0 : a.prepare < b.prepare ? -1 : 1;
}

/** Where the event is in `$all`. */
export const allPosition = (event: StoredEvent): LogPosition => ({ commit: event.commitPosition, prepare: event.position });

/** Where EventStoreDB's forward read of `$all` goes on after this event (its AllReader's next position). */
export const readOnAfter = (event: StoredEvent): LogPosition =>
  event.commitPosition === event.position
    ? { commit: event.postPosition, prepare: 0n }
    : { commit: event.commitPosition, prepare: event.postPosition };

export type EventFilter = { on: "stream" | "type"; prefixes: string[]; regex: RegExp | undefined };

export function passesFilter(filter: EventFilter | undefined, event: StoredEvent): boolean {
  if (!filter) return true;
  const subject = filter.on === "stream" ? event.streamName : event.type;
  if (filter.regex) return filter.regex.test(subject);
  return filter.prefixes.length === 0 || filter.prefixes.some((prefix) => subject.startsWith(prefix));
}

type FilterExpression = { getRegex(): string; getPrefixList(): string[] };
type FilterOptionsMessage = {
  hasStreamIdentifier(): boolean;
  getStreamIdentifier(): FilterExpression | undefined;
  getEventType(): FilterExpression | undefined;
};

export function parseFilter(options: FilterOptionsMessage | undefined): EventFilter | undefined {
  if (!options) return undefined;
  const on = options.hasStreamIdentifier() ? "stream" : "type";
  const expression = on === "stream" ? options.getStreamIdentifier() : options.getEventType();
  if (!expression) return undefined;
  const regex = expression.getRegex();
  return { on, prefixes: expression.getPrefixList(), regex: regex ? new RegExp(regex) : undefined };
}

/**
 * About the size of a prepare record in the transaction file: a fixed header (flags, positions,
 * event number, ids, timestamp), the stream name and event type, data, metadata, and the length
 * before and after the record.
 */
function recordSize(streamName: string, proposed: ProposedEvent): bigint {
  const text = Buffer.byteLength(streamName) + Buffer.byteLength(proposed.type);
  return BigInt(86 + text + proposed.data.length + proposed.customMetadata.length + 8);
}

function jsonEvent(type: string, body: object): ProposedEvent {
  return {
    id: crypto.randomUUID(),
    type,
    contentType: "application/json",
    data: Buffer.from(JSON.stringify(body)),
    customMetadata: new Uint8Array(),
  };
}

/** A commit record: header, transaction position, first event number, sort key, correlation id, timestamp, lengths. */
const COMMIT_RECORD_SIZE = 66n;

const SYSTEM_STATS_STREAM = "$stats-127.0.0.1:2113";

export class EsdbLog {
  private events: StoredEvent[] = [];
  private streams = new Map<string, StoredEvent[]>();
  private readonly listeners = new Set<(event: StoredEvent, index: number) => void>();
  private nextPosition = 0n;
  private writes = 0;

  constructor(private readonly systemEventEvery = 5) {
    this.seedSystemEvents();
  }

  /** Forgets every stream (positions keep growing, so nothing old is ever mistaken for new). */
  reset(): void {
    this.events = [];
    this.streams = new Map();
    this.writes = 0;
    this.seedSystemEvents();
  }

  all(): readonly StoredEvent[] {
    return this.events;
  }

  stream(streamName: string): readonly StoredEvent[] | undefined {
    return this.streams.get(streamName);
  }

  /** Index of the first event a forward read from `from` includes: its (commit, prepare) >= `from`. */
  indexAtOrAfter(from: LogPosition): number {
    return this.firstIndex((e) => comparePositions(allPosition(e), from) >= 0);
  }

  /** Index after the last event a backward read from `from` includes: those whose records end at or before it. */
  indexBackwardsFrom(from: LogPosition): number {
    return this.firstIndex((e) => comparePositions({ commit: e.commitPostPosition, prepare: e.postPosition }, from) > 0);
  }

  private firstIndex(isPast: (event: StoredEvent) => boolean): number {
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (isPast(this.events[mid]!)) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  headPosition(): bigint {
    return this.events.at(-1)?.commitPosition ?? 0n;
  }

  /** Called synchronously with each event as it is committed, and its index in `all()`. */
  onAppended(listener: (event: StoredEvent, index: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  append(streamName: string, expected: Expected, proposed: ProposedEvent[]): AppendOutcome {
    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length === 0 ? undefined : BigInt(stream.length - 1);
    const repeated = this.idempotent(stream, proposed);
    if (repeated === "partial") return { ok: false, current };
    if (repeated) return { ok: true, revision: repeated.revision, position: repeated.position };
    const ok =
      expected.kind === "any" ||
      (expected.kind === "no_stream" && current === undefined) ||
      (expected.kind === "stream_exists" && current !== undefined) ||
      (expected.kind === "revision" && current === expected.revision);
    if (!ok) return { ok: false, current };
    if (proposed.length === 0) return { ok: true, revision: current ?? -1n, position: this.headPosition() };
    let last: StoredEvent | undefined;
    for (const event of proposed) last = this.write(streamName, event);
    if (!streamName.startsWith("$") && ++this.writes % this.systemEventEvery === 0) this.writeStats();
    return { ok: true, revision: last!.revision, position: last!.position };
  }

  /** EventStoreDB's idempotence: a batch whose ids the stream already holds, in order, is a no-op. */
  private idempotent(stream: StoredEvent[], proposed: ProposedEvent[]): StoredEvent | "partial" | undefined {
    if (proposed.length === 0) return undefined;
    const start = stream.findIndex((e) => e.id === proposed[0]!.id);
    if (start < 0) return undefined;
    const matches = proposed.every((p, i) => stream[start + i]?.id === p.id);
    return matches ? stream[start + proposed.length - 1] : "partial";
  }

  /**
   * An explicit transaction, as a TCP client writes one: each `write` puts its events' prepare
   * records in the log at once, between whatever else is appended meanwhile; `commit` writes the
   * commit record, and only then do the events exist, all at its commit position.
   */
  beginTransaction(streamName: string): { write(events: { type: string; data?: object }[]): void; commit(): void } {
    const prepared: { proposed: ProposedEvent; position: bigint; postPosition: bigint }[] = [];
    return {
      write: (events) => {
        for (const proposed of events.map(({ type, data = {} }) => jsonEvent(type, data))) {
          const position = this.nextPosition;
          this.nextPosition += recordSize(streamName, proposed);
          prepared.push({ proposed, position, postPosition: this.nextPosition });
        }
      },
      commit: () => {
        const commitPosition = this.nextPosition;
        this.nextPosition += COMMIT_RECORD_SIZE;
        for (const { proposed, position, postPosition } of prepared) {
          this.record(streamName, proposed, { position, postPosition, commitPosition, commitPostPosition: this.nextPosition });
        }
      },
    };
  }

  private write(streamName: string, proposed: ProposedEvent): StoredEvent {
    const position = this.nextPosition;
    this.nextPosition += recordSize(streamName, proposed);
    const postPosition = this.nextPosition;
    return this.record(streamName, proposed, { position, postPosition, commitPosition: position, commitPostPosition: postPosition });
  }

  private record(
    streamName: string,
    proposed: ProposedEvent,
    positions: Pick<StoredEvent, "position" | "postPosition" | "commitPosition" | "commitPostPosition">,
  ): StoredEvent {
    const stream = this.streams.get(streamName) ?? [];
    const event: StoredEvent = {
      ...proposed,
      ...positions,
      streamName,
      revision: BigInt(stream.length),
      createdTicks: (BigInt(Date.now()) * 10_000n).toString(),
    };
    stream.push(event);
    this.streams.set(streamName, stream);
    this.events.push(event);
    const index = this.events.length - 1;
    for (const listener of [...this.listeners]) listener(event, index);
    return event;
  }

  private seedSystemEvents(): void {
    this.write("$$$settings", jsonEvent("$metadata", { $acl: { $r: "$all" } }));
    this.write("$scavenges", jsonEvent("$scavengeIndexInitialized", {}));
  }

  private writeStats(): void {
    this.write(SYSTEM_STATS_STREAM, jsonEvent("$statsCollected", { "proc-cpu": 1 }));
  }
}
