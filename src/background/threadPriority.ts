import { readdirSync } from "node:fs";
import { setPriority } from "node:os";

/** The nice value of work nobody is waiting for: it gets a core when the threads answering merchants leave one. */
const BACKGROUND_NICE = 10;

/**
 * The threads the process had before the app began (read as this module loads, which main.ts
 * imports first): V8's platform workers, which do every isolate's concurrent garbage collection and
 * compilation, Node's signal watcher, and libuv's pool where the module loader already started it.
 * Threads started later (the background thread itself) are not here.
 */
const startupThreads =
  process.platform === "linux"
    ? readdirSync("/proc/self/task")
        .map(Number)
        .filter((tid) => tid !== process.pid)
    : [];

/**
 * Gives a thread the background's priority (0: the calling one). On Linux each thread has a nice
 * value of its own; elsewhere it would be the whole process's, so nothing changes there, nor where
 * the system refuses: the work only loses its place in the queue for a core.
 */
export function lowerPriority(threadId = 0): void {
  if (process.platform !== "linux") return;
  try {
    setPriority(threadId, BACKGROUND_NICE);
  } catch {
    // Keeps the default priority.
  }
}

/**
 * The background thread allocates the most, so most of V8's helper threads' work is its garbage:
 * at full priority they took as much CPU as the background thread itself while an upload was being
 * answered. At the background's priority the main thread does its own collection first (V8 lets it),
 * and the helpers have the cores when nobody waits.
 */
export function lowerHelperThreadsPriority(): void {
  for (const tid of startupThreads) lowerPriority(tid);
}
