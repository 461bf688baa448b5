import type { Logger } from "pino";
import { acquireLease, type Lease, type LeaseSettings } from "./lease.ts";

export type LeasedTurnOptions = {
  databaseUrl: string;
  /** The consumer's name: its lease's too. */
  name: string;
  settings?: LeaseSettings;
  logger: Pick<Logger, "info" | "error">;
  /** Begin consuming: this process holds the lease now. */
  activate(): Promise<void>;
  /** Stop consuming and let what is in hand finish: the lease is being given up. */
  deactivate(): Promise<void>;
};

/**
 * A consumer's turn to run, for as long as this process holds its lease: it activates the consumer
 * once the lease is acquired, deactivates it when the lease is lost or handed over, and waits for
 * the lease again, until stopped.
 */
export class LeasedTurn {
  private lease: Lease | undefined;
  private active = false;
  private stopped = true;

  constructor(private readonly options: LeasedTurnOptions) {}

  get holding(): boolean {
    return this.active;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.wait();
  }

  /** Gives the lease up and waits for it again: another instance moved the checkpoint, or the consumer could not go on. */
  handOver(reason: string): void {
    if (this.lease) this.handOverFrom(this.lease, reason);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const lease = this.lease;
    this.lease = undefined;
    this.active = false;
    await this.options.deactivate();
    await lease?.release();
  }

  private wait(): void {
    const lease = acquireLease(this.options.databaseUrl, this.options.name, this.options.settings);
    this.lease = lease;
    lease.acquired.then(
      async () => {
        if (this.lease !== lease) return;
        this.options.logger.info({ consumer: this.options.name }, "lease acquired; consuming");
        void lease.lost.then((error) => this.handOverFrom(lease, `lease lost: ${error.message}`));
        this.active = true;
        try {
          await this.options.activate();
        } catch (error) {
          this.handOverFrom(lease, `could not start: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
      () => undefined,
    );
  }

  private handOverFrom(lease: Lease, reason: string): void {
    if (this.lease !== lease || this.stopped) return;
    this.options.logger.error({ consumer: this.options.name, reason }, "stopped consuming; waiting for the lease again");
    this.lease = undefined;
    this.active = false;
    void this.options
      .deactivate()
      .then(() => lease.release())
      .then(() => {
        if (!this.stopped && !this.lease) this.wait();
      });
  }
}
