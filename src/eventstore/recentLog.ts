import { matchesFilter, type ReadAllOptions, type RecordedEvent } from "./port.ts";

/** Reads every event in (after, upTo], in position order, at most `maxCount`. */
type ReadRange = (after: bigint, upTo: bigint, maxCount: number) => Promise<RecordedEvent[]>;

const KEPT_EVENTS = 5_000;
const EXTEND_BY = 2_000;

/**
 * The newest settled part of the log, kept in memory and read once for every subscription of the
 * process: woken by an append, each of them asks for what follows its position, and all but the
 * one that reads the new events (one query, no filter) are answered from here. It holds every event
 * between its first and last position, and only final ones (at or below a settled head), so an
 * answer from it is the one the database would give. A subscription behind its window reads the
 * database itself, as does one when the window cannot reach the head in one read.
 */
export class RecentLog {
  private readonly events: RecordedEvent[] = [];
  /** Every event after `start` and up to `end` is in `events`; none before the first read. */
  private window: { start: bigint; end: bigint } | undefined;
  private extending: Promise<void> | undefined;

  constructor(private readonly readRange: ReadRange) {}

  /**
   * The events after `fromPosition - 1` that pass the filter, up to `settled`, or undefined if they
   * are not all here (the caller reads the database).
   */
  async read(options: ReadAllOptions, settled: bigint): Promise<RecordedEvent[] | undefined> {
    if (!this.window) {
      // The window opens at the head: the subscriptions that follow it are the ones it serves.
      this.window = { start: settled, end: settled };
      return undefined;
    }
    while (this.window.end < settled) {
      this.extending ??= this.extend(this.window, settled).finally(() => (this.extending = undefined));
      await this.extending;
    }
    const after = options.fromPosition === undefined ? undefined : options.fromPosition - 1n;
    if (after === undefined || after < this.window.start) return undefined;
    const found: RecordedEvent[] = [];
    const limit = options.maxCount ?? Infinity;
    for (let i = this.firstAfter(after); i < this.events.length && found.length < limit; i++) {
      const event = this.events[i]!;
      if (event.position > settled) break;
      if (matchesFilter(event, options.filter)) found.push(event);
    }
    return found;
  }

  private async extend(window: { start: bigint; end: bigint }, settled: bigint): Promise<void> {
    const read = await this.readRange(window.end, settled, EXTEND_BY);
    // Too far behind for one read: the window starts again at the head, and the readers behind it read the database.
    if (read.length === EXTEND_BY) {
      this.events.length = 0;
      this.window = { start: settled, end: settled };
      return;
    }
    this.events.push(...read);
    window.end = settled;
    if (this.events.length > KEPT_EVENTS) window.start = this.events.splice(0, this.events.length - KEPT_EVENTS).at(-1)!.position;
  }

  /** The index of the first event after `after` (binary search: positions ascend). */
  private firstAfter(after: bigint | undefined): number {
    if (after === undefined) return 0;
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.events[middle]!.position <= after) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
