import type { Logger } from "pino";
import { commitDecision } from "../application/decisions.ts";
import { derivedId } from "../application/eventIds.ts";
import type { Append, HandlerContext, PipelineHandlers, StageDecision, StageOutcome } from "../application/handlerTypes.ts";
import { stageLogAppend, type StageEntry } from "../application/stageLog.ts";
import type { Clock } from "../clock.ts";
import { TransientError } from "../errors.ts";
import type { EventStore } from "../eventstore/port.ts";
import type { PipelineCommand } from "./commands.ts";

export type RetrySettings = { maxAttempts: number; retryBaseDelayMs: number; maxRetryDelayMs: number };

export type ExecutionDependencies = {
  store: EventStore;
  handlers: PipelineHandlers;
  logger: Logger;
  clock: Clock;
  /** Where a command's appends and its stage-log entries go together: batched with other commands' (AppendBatcher). */
  append: Append;
};

export type Execution = {
  processor: string;
  causeId: string;
  /** What ids derive from: the cause, unless the command is the same whichever event asked for it. */
  identity?: string;
  command: PipelineCommand;
  round?: string;
  /**
   * The command's effect is the same whichever event asked for it (open this PO's review): once it
   * is done, asking again decides nothing and writes nothing, not even stage entries.
   */
  oncePerSubject?: boolean;
};
export type ExecutionResult = { parked: false } | { parked: true; error: string; attempts: number };

/** The command's identity within its cause: the same cause and command always derive the same ids. */
export const commandKey = (processor: string, command: PipelineCommand) => [processor, command.type, command.subjectId];

/**
 * Runs one command's handler and writes what it decided in one append with the stage's log entries
 * (StageStarted and how it ended), retrying with exponential backoff and full jitter (never sooner
 * than a Retry-After asked for). After the last attempt it reports the command for parking. A
 * business failure or skip is an outcome, not an error: no retry.
 */
export async function executeWithStageLog(
  deps: ExecutionDependencies,
  settings: RetrySettings,
  { processor, causeId, identity = causeId, command, round = "first", oncePerSubject = false }: Execution,
): Promise<ExecutionResult> {
  const { clock, logger } = deps;
  const key = commandKey(processor, command);
  const metadata = {
    merchantId: command.merchantId,
    correlationId: command.purchaseOrderId,
    causationId: causeId,
    actor: `processor:${processor}`,
  };
  const context: HandlerContext = { ...metadata, derive: (...parts) => derivedId(identity, ...key, ...parts) };
  const stageRef = { purchaseOrderId: command.purchaseOrderId, stage: command.stage, subjectId: command.subjectId };
  // Stage entries of an operator's retry are new entries; the handler's own ids stay the same.
  const stageId = (...purpose: string[]) => context.derive("stage", round, ...purpose);
  const stageLog = (...entries: StageEntry[]) => stageLogAppend(command.purchaseOrderId, entries, metadata);
  const handler = deps.handlers[command.type] as (c: PipelineCommand, x: HandlerContext) => Promise<StageDecision>;
  const logFields = { processor, correlationId: command.purchaseOrderId, stage: command.stage, subjectId: command.subjectId || undefined };

  for (let attempt = 1; ; attempt++) {
    const startedAt = clock.now();
    const started: StageEntry = {
      entry: { type: "StageStarted", data: { ...stageRef, attempt, at: startedAt.toISOString() } },
      id: stageId("started", String(attempt)),
    };
    const ended = (outcome: StageOutcome): StageEntry => {
      const at = clock.now();
      const data = { ...stageRef, at: at.toISOString() };
      if (outcome.status === "completed")
        return {
          entry: { type: "StageCompleted", data: { ...data, durationMs: at.getTime() - startedAt.getTime() } },
          id: stageId("completed"),
        };
      if (outcome.status === "skipped")
        return { entry: { type: "StageSkipped", data: { ...data, reason: outcome.reason } }, id: stageId("skipped") };
      return {
        entry: { type: "StageFailed", data: { ...data, error: outcome.error, attempt, willRetry: false } },
        id: stageId("failed", String(attempt)),
      };
    };
    let outcome: StageOutcome;
    try {
      const decision = await handler(command, context);
      const alreadyDone = oncePerSubject && decision.status === "completed" && !decision.appends?.length;
      const following = (d: StageDecision) =>
        (d.followingStages ?? []).map((entry, index): StageEntry => ({ entry, id: stageId("following", String(index)) }));
      outcome = await commitDecision(deps.append, decision, (o, d) => (alreadyDone ? [] : [stageLog(started, ended(o), ...following(d))]));
    } catch (error) {
      const willRetry = attempt < settings.maxAttempts;
      const message = error instanceof Error ? error.message : String(error);
      logger.warn({ ...logFields, err: error, attempt, willRetry }, `${command.type} failed`);
      const failed: StageEntry = {
        entry: { type: "StageFailed", data: { ...stageRef, error: message, attempt, willRetry, at: clock.now().toISOString() } },
        id: stageId("failed", String(attempt)),
      };
      await deps.append([stageLog(started, failed)]);
      if (!willRetry) return { parked: true, error: message, attempts: attempt };
      const asked = error instanceof TransientError ? (error.retryAfterMs ?? 0) : 0;
      await clock.sleep(Math.max(asked, backoffDelay(settings, attempt)));
      continue;
    }
    logger.info(
      { ...logFields, outcome: outcome.status, durationMs: clock.now().getTime() - startedAt.getTime() },
      `${command.type} ${outcome.status}`,
    );
    return { parked: false };
  }
}

/** Exponential backoff with full jitter, so retries from many drafts don't arrive in lockstep. */
export function backoffDelay(settings: RetrySettings, attempt: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(settings.maxRetryDelayMs, settings.retryBaseDelayMs * 2 ** (attempt - 1)));
}
