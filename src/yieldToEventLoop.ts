import { setImmediate } from "node:timers/promises";

/**
 * A source that answers without ever waiting on I/O (the in-memory log) would let a catch-up loop
 * keep the event loop busy with promise callbacks and starve everything else. The loop calls this
 * between reads to let pending I/O run first.
 */
export const yieldToEventLoop = (): Promise<void> => setImmediate();
