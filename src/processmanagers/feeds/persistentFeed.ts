import type { Logger } from "pino";
import type { PersistentConsumer, PersistentMessage, PersistentSubscriptions } from "../../eventstore/persistentSubscriptions.ts";
import type { SubscriptionFilter } from "../../eventstore/port.ts";
import type { EventFeed, Handle } from "./feed.ts";

const FIRST_RECONNECT_DELAY_MS = 250;
const MAX_RECONNECT_DELAY_MS = 10_000;

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
    readonly group: string,
    private readonly groups: PersistentSubscriptions,
    private readonly bufferSize: number,
    private readonly logger: Logger,
  ) {}

  static async open(
    name: string,
    deps: { groups: PersistentSubscriptions; group: string; logger: Logger },
    filter: SubscriptionFilter,
    bufferSize: number,
  ) {
    // From the start: events appended before the first worker came up are the group's work too.
    await deps.groups.ensureGroup(deps.group, { filter, startFrom: "start" });
    return new PersistentFeed(name, deps.group, deps.groups, bufferSize, deps.logger);
  }

  checkpoint() {
    return this.lastAcknowledged;
  }

  start(handle: Handle): void {
    if (this.consumer) return;
    this.connect(handle, 0);
  }

  private connect(handle: Handle, failures: number): void {
    const processor = this.name;
    const consumer = this.groups.subscribe(this.group, { bufferSize: this.bufferSize });
    this.consumer = consumer;
    const settle = (message: PersistentMessage): Promise<void> => {
      // Delivered after a pause or a stop: give it back at once, for another worker or later.
      if (this.consumer !== consumer) return message.nack("retry", `${processor} is not taking events here`);
      return handle(message.event).then(
        async () => {
          await message.ack();
          if (this.lastAcknowledged === undefined || message.event.position > this.lastAcknowledged)
            this.lastAcknowledged = message.event.position;
        },
        async (error: unknown) => {
          this.logger.error(
            { err: error, processor, position: message.event.position },
            "event not handled; the server will deliver it again",
          );
          await message.nack("retry", error instanceof Error ? error.message : String(error));
        },
      );
    };
    void (async () => {
      let received = false;
      try {
        for await (const message of consumer) {
          received = true;
          const tracked = settle(message).catch((error: unknown) =>
            this.logger.warn({ err: error, processor }, "acknowledgement not sent; the server will redeliver the event"),
          );
          this.pending.add(tracked);
          void tracked.finally(() => this.pending.delete(tracked));
        }
      } catch (error) {
        this.logger.error({ err: error, processor }, "persistent subscription failed");
      }
      if (this.consumer !== consumer) return;
      // The server let the consumer go (its group updated, the subsystem restarted, a new leader): join the group again.
      const attempt = received ? 0 : failures + 1;
      const retryInMs = Math.min(MAX_RECONNECT_DELAY_MS, FIRST_RECONNECT_DELAY_MS * 2 ** Math.max(0, attempt - 1));
      this.logger.warn({ processor, group: this.group, retryInMs }, "persistent subscription dropped; connecting again");
      await consumer.close().catch(() => undefined);
      setTimeout(() => {
        if (this.consumer === consumer) this.connect(handle, attempt);
      }, retryInMs).unref();
    })();
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
