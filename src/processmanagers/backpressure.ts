/**
 * Keeps background work from running ahead of the read models a merchant waits for: processors
 * start no new command while the read-models projector has events to apply; commands already
 * started finish. An upload answers once its drafts are projected, and the projector applies the
 * log in order, so without this the image work of earlier POs queues ahead of every new upload.
 */
export class Backpressure {
  private active = 0;
  private waiters: (() => void)[] = [];

  begin(): void {
    this.active++;
  }

  end(): void {
    this.active--;
    if (this.active === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  idle(): Promise<void> {
    return this.active === 0 ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }
}
