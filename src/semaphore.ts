/** Bounds how many tasks run at once; the rest wait in arrival order. */
export class Semaphore {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire("last");
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /**
   * For a running task: lets the next one start while this one waits on what is not its own work
   * (a write shared with others), then takes the next free place, ahead of tasks not yet started.
   */
  async outside<T>(wait: () => Promise<T>): Promise<T> {
    this.release();
    try {
      return await wait();
    } finally {
      await this.acquire("first");
    }
  }

  private async acquire(place: "first" | "last") {
    if (this.running >= this.limit)
      await new Promise<void>((resolve) => (place === "first" ? this.waiting.unshift(resolve) : this.waiting.push(resolve)));
    this.running++;
  }

  private release() {
    this.running--;
    this.waiting.shift()?.();
  }
}
