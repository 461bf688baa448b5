/**
 * One persistent subscription group: competing consumers share the messages round-robin, each
 * message in flight to one consumer at a time until acked, nacked or timed out.
 */
import { allPosition, comparePositions, passesFilter, type EsdbLog, type EventFilter, type LogPosition, type StoredEvent } from "./log.ts";

/** A revision for a stream's group, a position for `$all`'s. */
export type StartFrom = "start" | "end" | bigint | LogPosition;

export type GroupSource =
  { kind: "all"; startFrom: StartFrom; filter: EventFilter | undefined } | { kind: "stream"; streamName: string; startFrom: StartFrom };

export type GroupSettings = {
  messageTimeoutMs: number;
  maxRetryCount: number;
  /** 0 means unbounded. */
  maxSubscriberCount: number;
  liveBufferSize: number;
  readBatchSize: number;
  historyBufferSize: number;
  checkpointAfterMs: number;
  minCheckpointCount: number;
  maxCheckpointCount: number;
  extraStatistics: boolean;
  resolveLinks: boolean;
  strategy: string;
};

export type Consumer = {
  readonly id: string;
  readonly connectionName: string;
  readonly slots: number;
  readonly inFlight: Set<string>;
  totalItems: number;
  /** From sending to ack, each acked message (EventStoreDB's extra statistics). */
  readonly ackLatenciesMs: number[];
  send(event: StoredEvent, retryCount: number): void;
  /** Ends the consumer's call; `reason` set means it was dropped by the server. */
  drop(reason?: string): void;
};

type Outstanding = { event: StoredEvent; retryCount: number; consumer: Consumer; timer: NodeJS.Timeout | undefined; sentAt: number };

export type NackAction = "park" | "retry" | "skip" | "stop" | "unknown";

export class PersistentGroup {
  readonly consumers: Consumer[] = [];
  readonly parked: StoredEvent[] = [];
  private readonly retries: { event: StoredEvent; retryCount: number }[] = [];
  private readonly outstanding = new Map<string, Outstanding>();
  private nextConsumer = 0;
  /** The next event to read: its index in `$all`, or its revision in the stream. */
  private cursor: number;
  private lastAcked: StoredEvent | undefined;
  private lastRead: StoredEvent | undefined;
  private totalItems = 0;
  private readonly stopListening: () => void;

  constructor(
    readonly groupName: string,
    readonly source: GroupSource,
    public settings: GroupSettings,
    private readonly log: EsdbLog,
  ) {
    this.cursor = this.cursorAt(source.startFrom);
    this.stopListening = log.onAppended(() => queueMicrotask(() => this.dispatch()));
  }

  /** Groups start AT their position or revision. */
  private cursorAt(startFrom: StartFrom): number {
    if (startFrom === "start") return 0;
    if (this.source.kind === "all") {
      return startFrom === "end" ? this.log.all().length : this.log.indexAtOrAfter(startFrom as LogPosition);
    }
    return startFrom === "end" ? (this.log.stream(this.source.streamName)?.length ?? 0) : Number(startFrom);
  }

  /** New settings; a group that has acked nothing yet also takes the new start. */
  update(settings: GroupSettings, startFrom: StartFrom): void {
    this.settings = settings;
    if (!this.lastAcked && this.outstanding.size === 0 && this.retries.length === 0) {
      this.source.startFrom = startFrom;
      this.cursor = this.cursorAt(startFrom);
    }
    this.restart("The subscription group was updated");
  }

  /** Drops every consumer (they may reconnect); what they held unacked is delivered again. */
  restart(reason: string): void {
    const dropped = this.consumers.splice(0);
    for (const consumer of dropped) {
      for (const id of [...consumer.inFlight]) {
        const message = this.take(id);
        if (message) this.retries.push({ event: message.event, retryCount: message.retryCount });
      }
      consumer.drop(reason);
    }
  }

  get eventSource(): string {
    return this.source.kind === "all" ? "$all" : this.source.streamName;
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.dispatch();
  }

  /** A consumer that leaves without acking: its messages go to the others. */
  removeConsumer(consumer: Consumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index < 0) return;
    this.consumers.splice(index, 1);
    for (const id of [...consumer.inFlight]) {
      const message = this.take(id);
      if (message) this.retry(message.event, message.retryCount + 1);
    }
    this.dispatch();
  }

  ack(consumer: Consumer, ids: string[]): void {
    for (const id of ids) {
      const message = this.outstanding.get(id);
      if (!message || message.consumer !== consumer) continue;
      this.take(id);
      if (this.settings.extraStatistics) consumer.ackLatenciesMs.push(Date.now() - message.sentAt);
      if (!this.lastAcked || this.isAfter(message.event, this.lastAcked)) this.lastAcked = message.event;
    }
    this.dispatch();
  }

  nack(consumer: Consumer, ids: string[], action: NackAction): void {
    for (const id of ids) {
      const message = this.outstanding.get(id);
      if (!message || message.consumer !== consumer) continue;
      this.take(id);
      if (action === "park") this.parked.push(message.event);
      else if (action === "skip") continue;
      else this.retry(message.event, message.retryCount + 1);
    }
    if (action === "stop") {
      this.removeConsumer(consumer);
      consumer.drop("The client asked to stop");
      return;
    }
    this.dispatch();
  }

  replayParked(stopAt?: number): void {
    const replayed = this.parked.splice(0, stopAt ?? this.parked.length);
    for (const event of replayed) this.retries.push({ event, retryCount: 0 });
    this.dispatch();
  }

  close(reason: string): void {
    this.stopListening();
    for (const message of this.outstanding.values()) clearTimeout(message.timer);
    this.outstanding.clear();
    for (const consumer of this.consumers.splice(0)) consumer.drop(reason);
  }

  stats() {
    return {
      totalItems: this.totalItems,
      inFlight: this.outstanding.size,
      retryBufferCount: this.retries.length,
      parked: this.parked.length,
      lastAcked: this.lastAcked,
      lastRead: this.lastRead,
      outstandingFor: (consumer: Consumer) => consumer.inFlight.size,
    };
  }

  private isAfter(event: StoredEvent, other: StoredEvent): boolean {
    return this.source.kind === "all" ? comparePositions(allPosition(event), allPosition(other)) > 0 : event.revision > other.revision;
  }

  private take(id: string): Outstanding | undefined {
    const message = this.outstanding.get(id);
    if (!message) return undefined;
    clearTimeout(message.timer);
    this.outstanding.delete(id);
    message.consumer.inFlight.delete(id);
    return message;
  }

  private retry(event: StoredEvent, retryCount: number): void {
    if (retryCount > this.settings.maxRetryCount) this.parked.push(event);
    else this.retries.push({ event, retryCount });
  }

  private dispatch(): void {
    for (;;) {
      const consumer = this.consumerWithSlot();
      if (!consumer) return;
      const message = this.retries.shift() ?? this.readNext();
      if (!message) return;
      this.send(consumer, message.event, message.retryCount);
    }
  }

  private consumerWithSlot(): Consumer | undefined {
    for (let tried = 0; tried < this.consumers.length; tried++) {
      const consumer = this.consumers[this.nextConsumer++ % this.consumers.length]!;
      if (consumer.inFlight.size < consumer.slots) return consumer;
    }
    return undefined;
  }

  private readNext(): { event: StoredEvent; retryCount: number } | undefined {
    if (this.source.kind === "stream") {
      const event = this.log.stream(this.source.streamName)?.[this.cursor];
      if (!event) return undefined;
      this.cursor++;
      this.lastRead = event;
      return { event, retryCount: 0 };
    }
    const all = this.log.all();
    while (this.cursor < all.length) {
      const event = all[this.cursor++]!;
      if (!passesFilter(this.source.filter, event)) continue;
      this.lastRead = event;
      return { event, retryCount: 0 };
    }
    return undefined;
  }

  private send(consumer: Consumer, event: StoredEvent, retryCount: number): void {
    if (this.outstanding.has(event.id)) return; // already in flight elsewhere: never to two consumers
    // A message not acked in time goes back to the queue with its retry count raised.
    const timer =
      this.settings.messageTimeoutMs > 0
        ? setTimeout(() => {
            const message = this.take(event.id);
            if (!message) return;
            this.retry(message.event, message.retryCount + 1);
            this.dispatch();
          }, this.settings.messageTimeoutMs).unref()
        : undefined;
    this.outstanding.set(event.id, { event, retryCount, consumer, timer, sentAt: Date.now() });
    consumer.inFlight.add(event.id);
    consumer.totalItems++;
    this.totalItems++;
    consumer.send(event, retryCount);
  }
}
