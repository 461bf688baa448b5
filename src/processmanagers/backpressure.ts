/** How long background work waits at most each time it gives way. */
export const GIVE_WAY_AT_MOST_MS = 200;

/**
 * Work a merchant is waiting for, counted so that background work gives way to it: an upload in
 * flight, the read-models projector applying events (an upload answers once its drafts are
 * projected, and the projector applies the log in order, so image work running ahead would queue
 * before every new upload). Processors start no new command while it is busy, and the background
 * thread's connections start no new query or transaction (`givingWay`); what already runs finishes.
 * The count lives in shared memory, so the two sides may run on different threads.
 */
export class Backpressure {
  private readonly active: Int32Array;

  constructor(readonly shared = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)) {
    this.active = new Int32Array(shared);
  }

  begin(): void {
    Atomics.add(this.active, 0, 1);
  }

  end(): void {
    if (Atomics.sub(this.active, 0, 1) === 1) Atomics.notify(this.active, 0);
  }

  /** Resolves once nothing is busy, or after maxWaitMs at the latest: a steady stream of uploads slows the background, never stops it. */
  async idle(maxWaitMs = GIVE_WAY_AT_MOST_MS): Promise<void> {
    const deadline = performance.now() + maxWaitMs;
    for (let active = Atomics.load(this.active, 0); active !== 0; active = Atomics.load(this.active, 0)) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      const waited = Atomics.waitAsync(this.active, 0, active, left);
      if (waited.async) await waited.value;
    }
  }
}
