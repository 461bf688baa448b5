import type { AppendResult, EventStore, StreamAppend } from "../eventstore/port.ts";

type Request = { appends: StreamAppend[]; resolve(results: AppendResult[]): void; reject(error: unknown): void };

const MAX_EVENTS_PER_APPEND = 2_000;

const isGuarded = (append: StreamAppend) => append.expectedRevision !== undefined && append.expectedRevision !== "any";

/**
 * Group commit for the processors: the appends commands ask for while one is being written go out
 * together as one multi-stream append, each stream under its own expected revision, and the stage
 * log's entries of all of them as one write. If that append fails (one draft's revision guard, say),
 * each command's appends are written on their own, so only the command that conflicts sees it.
 */
export class AppendBatcher {
  private readonly waiting: Request[] = [];
  private writing = false;

  constructor(private readonly store: EventStore) {}

  readonly append = (appends: StreamAppend[]): Promise<AppendResult[]> =>
    new Promise((resolve, reject) => {
      this.waiting.push({ appends, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        // Commands that become ready in the same turn of the event loop share the first write.
        setImmediate(() => void this.writeAll());
      }
    });

  private async writeAll(): Promise<void> {
    while (this.waiting.length > 0) await this.write(this.takeBatch());
    this.writing = false;
  }

  /** As many waiting requests as fit, leaving for later any that guard a stream one taken already guards. */
  private takeBatch(): Request[] {
    const batch: Request[] = [];
    const guarded = new Set<string>();
    let events = 0;
    for (let i = 0; i < this.waiting.length && events < MAX_EVENTS_PER_APPEND;) {
      const request = this.waiting[i]!;
      const streams = request.appends.filter(isGuarded).map((a) => a.streamName);
      if (streams.some((name) => guarded.has(name))) {
        i++;
        continue;
      }
      for (const name of streams) guarded.add(name);
      events += request.appends.reduce((sum, a) => sum + a.events.length, 0);
      batch.push(...this.waiting.splice(i, 1));
    }
    return batch;
  }

  private async write(batch: Request[]): Promise<void> {
    if (batch.length === 1) return this.writeAlone(batch[0]!);
    let results: Map<string, AppendResult>;
    try {
      const merged = merge(batch);
      const written = await this.store.appendToStreams(merged);
      results = new Map(merged.map((append, i) => [append.streamName, written[i]!]));
    } catch {
      for (const request of batch) await this.writeAlone(request);
      return;
    }
    for (const request of batch) request.resolve(request.appends.map((append) => results.get(append.streamName)!));
  }

  private async writeAlone(request: Request): Promise<void> {
    try {
      request.resolve(await this.store.appendToStreams(request.appends));
    } catch (error) {
      request.reject(error);
    }
  }
}

/**
 * One append for the whole batch: an unguarded stream (the stage log) once, with every request's
 * events; the guarded ones first, so where the append goes stream by stream (EventStoreDB) a failed
 * guard stops it before any stage-log entry claims that command done.
 */
function merge(batch: Request[]): StreamAppend[] {
  const unguarded = new Map<string, StreamAppend>();
  const guarded: StreamAppend[] = [];
  for (const append of batch.flatMap((request) => request.appends)) {
    if (isGuarded(append)) {
      guarded.push(append);
      continue;
    }
    const same = unguarded.get(append.streamName);
    unguarded.set(append.streamName, same ? { ...same, events: [...same.events, ...append.events] } : append);
  }
  return [...guarded, ...unguarded.values()];
}
