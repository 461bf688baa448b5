/**
 * Keeps background work from running ahead of the read models a merchant waits for: processors
 * start no new command while the read-models projector has events to apply; commands already
 * started finish. An upload answers once its drafts are projected, and the projector applies the
 * log in order, so without this the image work of earlier POs queues ahead of every new upload.
 * The count lives in shared memory, so the projector and the processors may run on different threads.
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

  async idle(): Promise<void> {
    for (let active = Atomics.load(this.active, 0); active !== 0; active = Atomics.load(this.active, 0)) {
      const waited = Atomics.waitAsync(this.active, 0, active);
      if (waited.async) await waited.value;
    }
  }
}
