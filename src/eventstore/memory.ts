import { Subject } from "rxjs";
import { assertAppendable, assertExpectedRevision, idempotentResult, type AlreadyAppended } from "./appendRules.ts";
import { catchUpSubscription } from "./catchUpSubscription.ts";
import {
  matchesFilter,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamAppend,
  type SubscribeToAllOptions,
} from "./port.ts";

/** For unit tests and fixtures: the port's semantics with nothing persisted. */
export class InMemoryEventStore implements EventStore {
  private readonly log: RecordedEvent[] = [];
  private readonly streams = new Map<string, RecordedEvent[]>();
  readonly appended = new Subject<void>();

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
    // Check every stream before writing any, so the batch is all or nothing.
    const plans = appends.map((append) => this.plan(append));
    const created = new Date();
    const results = plans.map((plan) => plan.result ?? this.write(plan.append, created));
    this.appended.next();
    return results;
  }

  private plan(append: StreamAppend): { append: StreamAppend; result?: AppendResult } {
    const { streamName, events, expectedRevision = "any" } = append;
    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length === 0 ? undefined : BigInt(stream.length - 1);
    const batchIds = new Set(events.map((e) => e.id));
    const alreadyAppended = new Map<string, AlreadyAppended>(
      stream.filter((e) => batchIds.has(e.id)).map((e) => [e.id, { revision: e.revision, position: e.position }]),
    );
    const repeated = idempotentResult(streamName, events, alreadyAppended, current);
    if (repeated) return { append, result: repeated };
    assertExpectedRevision(streamName, expectedRevision, current);
    return { append };
  }

  private write({ streamName, events }: StreamAppend, created: Date): AppendResult {
    const stream = this.streams.get(streamName) ?? [];
    for (const event of events) {
      const recorded: RecordedEvent = {
        ...structuredClone(event),
        streamName,
        revision: BigInt(stream.length),
        position: BigInt(this.log.length),
        created,
      };
      stream.push(recorded);
      this.log.push(recorded);
    }
    this.streams.set(streamName, stream);
    const last = stream[stream.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  async readStream(streamName: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const stream = this.streams.get(streamName) ?? [];
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (options.direction === "backwards") {
      const from = options.fromRevision ?? BigInt(stream.length - 1);
      return stream
        .filter((e) => e.revision <= from)
        .reverse()
        .slice(0, maxCount);
    }
    const from = options.fromRevision ?? 0n;
    return stream.filter((e) => e.revision >= from).slice(0, maxCount);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === "backwards";
    const from = Number(options.fromPosition ?? (backwards ? BigInt(this.log.length) : 0n));
    const range = backwards ? this.log.slice(0, from + 1).reverse() : this.log.slice(from);
    const wanted = range.filter((event) => matchesFilter(event, options.filter));
    return wanted.slice(0, options.maxCount ?? wanted.length);
  }

  /** Every append is final the moment it returns. */
  async settledHead() {
    const head = await this.headPosition();
    return { position: head, committed: head };
  }

  async headPosition(): Promise<bigint | undefined> {
    return this.log.at(-1)?.position;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}) {
    return catchUpSubscription(this, options, { batchSize: 500, pollIntervalMs: 1_000 });
  }

  async close(): Promise<void> {
    this.appended.complete();
  }
}
