import { concatMap, from, type Subscription } from "rxjs";
import type { Logger } from "pino";
import { derivedId } from "../application/eventIds.ts";
import type { HandlerContext, PipelineHandlers, StageOutcome } from "../application/pipelineHandlers.ts";
import { recordStage } from "../application/stageLog.ts";
import type { Clock } from "../clock.ts";
import { toEnvelope, type Envelope } from "../domain/events.ts";
import type { WorkflowEvent } from "../domain/workflow.ts";
import { loadCheckpoint, saveCheckpoint } from "../eventstore/checkpoints.ts";
import type { EventStore, SubscriptionMessage } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import type { PipelineCommand } from "./commands.ts";
import type { ProcessManager } from "./processManager.ts";

export type RuntimeSettings = { maxAttempts: number; retryBaseDelayMs: number; checkpointEvery: number };
export const defaultRuntimeSettings: RuntimeSettings = { maxAttempts: 4, retryBaseDelayMs: 200, checkpointEvery: 200 };

export type RuntimeDependencies = {
  store: EventStore;
  prisma: PrismaClient;
  handlers: PipelineHandlers;
  logger: Logger;
  clock: Clock;
};

/**
 * Runs process managers: subscribes each from its checkpoint, turns their commands into handler
 * calls wrapped in stage-log entries, retries failures with backoff. It holds no business rules.
 * Delivery is at-least-once; everything written derives its id from the causing event, so a
 * redelivery after a crash writes nothing twice.
 */
export class ProcessManagerRuntime {
  private readonly subscriptions: Subscription[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly deps: RuntimeDependencies,
    private readonly processManagers: readonly ProcessManager[],
    private readonly settings: RuntimeSettings = defaultRuntimeSettings,
  ) {}

  async start(): Promise<void> {
    for (const pm of this.processManagers) {
      const checkpointName = `processor:${pm.name}`;
      let unsaved = 0;
      const handleMessage = async (message: SubscriptionMessage) => {
        if (message.kind === "caughtUp") {
          if (message.position !== undefined && unsaved > 0) await saveCheckpoint(this.deps.prisma, checkpointName, message.position);
          unsaved = 0;
          return;
        }
        const { event } = message;
        if ((pm.handles as readonly string[]).includes(event.type)) {
          await this.react(pm, toEnvelope(event));
        } else if (++unsaved < this.settings.checkpointEvery) {
          return;
        }
        unsaved = 0;
        await saveCheckpoint(this.deps.prisma, checkpointName, event.position);
      };
      const fromPosition = await loadCheckpoint(this.deps.prisma, checkpointName);
      const subscription = this.deps.store
        .subscribeToAll({ fromPosition })
        .pipe(concatMap((message) => from(this.track(handleMessage(message)))))
        .subscribe({ error: (error: unknown) => this.deps.logger.error({ err: error, processor: pm.name }, "processor stopped") });
      this.subscriptions.push(subscription);
    }
  }

  async stop(): Promise<void> {
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
    await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  private async react(pm: ProcessManager, cause: Envelope): Promise<void> {
    for (const command of pm.react(cause)) await this.execute(pm, cause, command);
  }

  private async execute(pm: ProcessManager, cause: Envelope, command: PipelineCommand): Promise<void> {
    const { clock, logger, store } = this.deps;
    const key = [pm.name, command.type, command.subjectId];
    const metadata = {
      merchantId: command.merchantId,
      correlationId: command.purchaseOrderId,
      causationId: cause.id,
      actor: `processor:${pm.name}`,
    };
    const context: HandlerContext = { ...metadata, derive: (...parts) => derivedId(cause.id, ...key, ...parts) };
    const stageRef = { purchaseOrderId: command.purchaseOrderId, stage: command.stage, subjectId: command.subjectId };
    const log = (entry: WorkflowEvent, ...purpose: string[]) => recordStage(store, entry, context.derive("stage", ...purpose), metadata);
    const handler = this.deps.handlers[command.type] as (c: PipelineCommand, x: HandlerContext) => Promise<StageOutcome>;

    for (let attempt = 1; ; attempt++) {
      const startedAt = clock.now();
      await log({ type: "StageStarted", data: { ...stageRef, attempt, at: startedAt.toISOString() } }, "started", String(attempt));
      let outcome: StageOutcome;
      try {
        outcome = await handler(command, context);
      } catch (error) {
        const willRetry = attempt < this.settings.maxAttempts;
        const message = error instanceof Error ? error.message : String(error);
        logger.warn({ err: error, processor: pm.name, correlationId: command.purchaseOrderId, attempt, willRetry }, `${command.type} failed`);
        const at = clock.now().toISOString();
        await log({ type: "StageFailed", data: { ...stageRef, error: message, attempt, willRetry, at } }, "failed", String(attempt));
        if (!willRetry) return;
        await clock.sleep(backoffDelay(this.settings.retryBaseDelayMs, attempt));
        continue;
      }
      const at = clock.now();
      const data = { ...stageRef, at: at.toISOString() };
      logger.info(
        { processor: pm.name, correlationId: command.purchaseOrderId, stage: command.stage, subjectId: command.subjectId || undefined, outcome: outcome.status, durationMs: at.getTime() - startedAt.getTime() },
        `${command.type} ${outcome.status}`,
      );
      if (outcome.status === "completed") {
        await log({ type: "StageCompleted", data: { ...data, durationMs: at.getTime() - startedAt.getTime() } }, "completed");
      } else if (outcome.status === "skipped") {
        await log({ type: "StageSkipped", data: { ...data, reason: outcome.reason } }, "skipped");
      } else {
        await log({ type: "StageFailed", data: { ...data, error: outcome.error, attempt, willRetry: false } }, "failed", String(attempt));
      }
      return;
    }
  }
}

/** Exponential backoff with full jitter, so retries from many drafts don't arrive in lockstep. */
export function backoffDelay(baseMs: number, attempt: number, random: () => number = Math.random): number {
  return Math.round(random() * baseMs * 2 ** (attempt - 1));
}
