import type { Logger } from "pino";
import type { CompetingConsumers, PersistentConsumer } from "../../eventstore/competingConsumers.ts";
import type { SubscriptionFilter } from "../../eventstore/port.ts";
import type { EventFeed, Handle } from "./feed.ts";

export const groupOf = (processor: string) => `po-pipeline.${processor}`;

/**
 * A processor as one of a group of competing consumers: every worker process connects to the same
 * group, and the server hands each event to one of them. An event is acknowledged once handled;
 * one that could not even be parked is nacked for a retry, by this worker or another. A worker that
 * dies leaves its unacknowledged events to the server, which redelivers them to the others.
 */
export class PersistentFeed implements EventFeed {
  private consumer: PersistentConsumer | undefined;
  private readonly pending = new Set<Promise<void>>();
  private lastAcknowledged: bigint | undefined;
  private closing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly name: string,
    private readonly consumers: CompetingConsumers,
    private readonly bufferSize: number,
    private readonly logger: Logger,
  ) {}

  static async open(name: string, deps: { consumers: CompetingConsumers; logger: Logger }, filter: SubscriptionFilter, bufferSize: number) {
    await deps.consumers.ensureGroup(groupOf(name), filter);
    return new PersistentFeed(name, deps.consumers, bufferSize, deps.logger);
  }

  checkpoint() {
    return this.lastAcknowledged;
  }

  start(handle: Handle): void {
    if (this.consumer) return;
    const processor = this.name;
    const consumer: PersistentConsumer = this.consumers.consume(
      groupOf(processor),
      { bufferSize: this.bufferSize },
      (delivery) => {
        // Delivered after a pause or a stop: give it back at once, for another worker or later.
        const settled =
          this.consumer !== consumer
            ? delivery.nack("retry", `${processor} is not taking events here`)
            : handle(delivery.event).then(
                async () => {
                  await delivery.ack();
                  if (this.lastAcknowledged === undefined || delivery.event.position > this.lastAcknowledged) this.lastAcknowledged = delivery.event.position;
                },
                async (error: unknown) => {
                  this.logger.error({ err: error, processor, position: delivery.event.position }, "event not handled; the server will deliver it again");
                  await delivery.nack("retry", error instanceof Error ? error.message : String(error));
                },
              );
        const tracked = settled.catch((error: unknown) => this.logger.warn({ err: error, processor }, "acknowledgement not sent; the server will redeliver the event"));
        this.pending.add(tracked);
        void tracked.finally(() => this.pending.delete(tracked));
      },
      (error) => this.logger.error({ err: error, processor }, "persistent subscription failed"),
    );
    this.consumer = consumer;
  }

  /** Takes nothing new; the connection stays until what was taken is acknowledged, then closes. */
  stop(): void {
    const consumer = this.consumer;
    this.consumer = undefined;
    if (!consumer) return;
    const previous = this.closing;
    this.closing = (async () => {
      await previous;
      await this.drain();
      await consumer.close();
    })();
  }

  async flush(): Promise<void> {
    await this.closing;
    await this.drain();
  }

  private async drain() {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
