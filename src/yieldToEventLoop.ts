import { setImmediate } from "node:timers/promises";

/**
 * PGlite answers queries without ever waiting on I/O, so a chain of background queries can keep
 * the event loop busy with promise callbacks and starve incoming HTTP requests. Background loops
 * call this between units of work to let pending I/O run first.
 */
export const yieldToEventLoop = (): Promise<void> => setImmediate();
