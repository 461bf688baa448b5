import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import { lowerHelperThreadsPriority } from "./threadPriority.ts";

export type BackgroundData = { databaseUrl: string; address: string; foregroundBusy: SharedArrayBuffer };
export type BackgroundMessage = { kind: "ready" | "stop" | "stopped" };

const RESTART_AFTER_MS = 1_000;

/**
 * The app's background half on a thread of its own (src/background/thread.ts): the projections an
 * upload does not wait for and every process manager, so their work never queues on the event loop
 * that answers requests. A thread that fails is started again; what it had not finished it picks up
 * from its checkpoints, as after a crash.
 */
export class BackgroundThread {
  private worker: Worker | undefined;
  private stopping = false;
  private restart: NodeJS.Timeout | undefined;

  private constructor(
    private readonly data: BackgroundData,
    private readonly logger: Logger,
  ) {}

  static async start(data: BackgroundData, logger: Logger): Promise<BackgroundThread> {
    // Its garbage is collected on V8's helper threads, which must give way with it.
    lowerHelperThreadsPriority();
    const thread = new BackgroundThread(data, logger);
    await thread.spawn();
    return thread;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restart);
    const worker = this.worker;
    if (!worker) return;
    const stopped = new Promise<void>((resolve) => {
      worker.on("message", (message: BackgroundMessage) => message.kind === "stopped" && resolve());
      worker.once("exit", () => resolve());
    });
    worker.postMessage({ kind: "stop" } satisfies BackgroundMessage);
    await stopped;
    await worker.terminate();
  }

  private spawn(): Promise<void> {
    const worker = new Worker(new URL("./boot.mjs", import.meta.url), { workerData: this.data });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      worker.on("message", (message: BackgroundMessage) => message.kind === "ready" && resolve());
      worker.once("error", (error) => {
        this.logger.error({ err: error }, "the background thread failed");
        reject(error);
      });
      worker.once("exit", (code) => {
        if (this.stopping || this.worker !== worker) return;
        this.logger.error({ code, restartInMs: RESTART_AFTER_MS }, "the background thread stopped; starting it again");
        this.restart = setTimeout(() => void this.spawn().catch(() => undefined), RESTART_AFTER_MS);
      });
    });
  }
}
