/**
 * The test server's storage: one in-memory log of every stream, EventStoreDB-style.
 *
 * Positions are as EventStoreDB (5.0 and later) gives them to appends over gRPC: each event is its
 * own prepare record in the transaction file, at its own log position, and is committed by that
 * record (no separate commit record), so its commit and prepare positions are both that log
 * position; the events of one append are contiguous and the append reports its last event's
 * position. Positions are byte offsets, stepping by each record's size. Only explicit transactions
 * (the TCP API's TransactionStart/Commit, which gRPC does not offer) give several events one commit
 * position; this server has none.
 */

export type StoredEvent = {
  id: string;
  streamName: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
  revision: bigint;
  /** The log position of the event's record: its commit and its prepare position. */
  position: bigint;
  /** Where the next record starts. */
  postPosition: bigint;
  /** 100ns ticks since the Unix epoch, as EventStoreDB sends `created`. */
  createdTicks: string;
};

export type ProposedEvent = Pick<StoredEvent, "id" | "type" | "contentType" | "data" | "customMetadata">;

export type Expected = { kind: "any" } | { kind: "no_stream" } | { kind: "stream_exists" } | { kind: "revision"; revision: bigint };

export type AppendOutcome = { ok: true; revision: bigint; position: bigint } | { ok: false; current: bigint | undefined };

/** A position in `$all` as clients send it; EventStoreDB orders them commit first, then prepare. */
export type LogPosition = { commit: bigint; prepare: bigint };

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

const SYSTEM_STATS_STREAM = "$stats-127.0.0.1:2113";

export class EsdbLog {
  private events: StoredEvent[] = [];
  private streams = new Map<string, StoredEvent[]>();
  private readonly listeners = new Set<(event: StoredEvent) => void>();
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

  /** Index of the first event a forward read from `from` includes: (position, position) >= (commit, prepare). */
  indexAtOrAfter(from: LogPosition): number {
    return this.firstIndex((e) => e.position > from.commit || (e.position === from.commit && e.position >= from.prepare));
  }

  /** Index after the last event a backward read from `from` includes: (post, post) <= (commit, prepare). */
  indexBackwardsFrom(from: LogPosition): number {
    return this.firstIndex((e) => e.postPosition > from.commit || (e.postPosition === from.commit && e.postPosition > from.prepare));
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
    return this.events.at(-1)?.position ?? 0n;
  }

  /** Called synchronously with each event as it is committed. */
  onAppended(listener: (event: StoredEvent) => void): () => void {
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

  private write(streamName: string, proposed: ProposedEvent): StoredEvent {
    const stream = this.streams.get(streamName) ?? [];
    const position = this.nextPosition;
    this.nextPosition += recordSize(streamName, proposed);
    const event: StoredEvent = {
      ...proposed,
      streamName,
      revision: BigInt(stream.length),
      position,
      postPosition: this.nextPosition,
      createdTicks: (BigInt(Date.now()) * 10_000n).toString(),
    };
    stream.push(event);
    this.streams.set(streamName, stream);
    this.events.push(event);
    for (const listener of [...this.listeners]) listener(event);
    return event;
  }

  private systemEvent(type: string, body: object): ProposedEvent {
    return {
      id: crypto.randomUUID(),
      type,
      contentType: "application/json",
      data: Buffer.from(JSON.stringify(body)),
      customMetadata: new Uint8Array(),
    };
  }

  private seedSystemEvents(): void {
    this.write("$$$settings", this.systemEvent("$metadata", { $acl: { $r: "$all" } }));
    this.write("$scavenges", this.systemEvent("$scavengeIndexInitialized", {}));
  }

  private writeStats(): void {
    this.write(SYSTEM_STATS_STREAM, this.systemEvent("$statsCollected", { "proc-cpu": 1 }));
  }
}
