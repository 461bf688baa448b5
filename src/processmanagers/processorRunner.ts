import type { Subscription } from "rxjs";
import type { Logger } from "pino";
import { toEnvelope } from "../domain/events.ts";
import { loadCheckpoint, saveCheckpoint } from "../eventstore/checkpoints.ts";
import type { EventStore, SubscriptionMessage } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { derivedId } from "../application/eventIds.ts";
import type { PipelineCommand } from "./commands.ts";
import type { ParkingLot } from "./parking.ts";
import type { ProcessManager } from "./processManager.ts";
import type { ForegroundActivity } from "./foreground.ts";
import { Semaphore } from "./semaphore.ts";
import { yieldToEventLoop } from "../yieldToEventLoop.ts";
import { commandKey, executeWithStageLog, type ExecutionDependencies, type RetrySettings } from "./stageExecution.ts";

export type RunnerSettings = RetrySettings & { concurrency: number };

export type RunnerDependencies = ExecutionDependencies & { prisma: PrismaClient; parking: ParkingLot; foreground: ForegroundActivity };

export type ProcessorStatus = { name: string; paused: boolean; checkpoint: string | null; inFlight: number; queued: number };

type Delivered = { position: bigint; remaining: number };

/**
 * Drives one process manager: subscribes from its checkpoint, runs the commands it reacts with
 * (different subjects concurrently up to a bound, one subject's commands in order), and moves the
 * checkpoint only past events whose every command has finished, so a crash redelivers, never skips.
 */
export class ProcessorRunner {
  private subscription: Subscription | undefined;
  private checkpoint: bigint | undefined;
  private lastDelivered: bigint | undefined;
  private readonly delivered: Delivered[] = [];
  private readonly subjectTails = new Map<string, Promise<void>>();
  private readonly semaphore: Semaphore;
  private readonly all = new Set<Promise<void>>();
  private saving: Promise<void> = Promise.resolve();
  private saveQueued = false;
  private inFlight = 0;
  private queued = 0;
  paused = false;

  constructor(
    readonly pm: ProcessManager,
    private readonly deps: RunnerDependencies,
    private readonly settings: RunnerSettings,
  ) {
    this.semaphore = new Semaphore(settings.concurrency);
  }

  private get checkpointName() {
    return `processor:${this.pm.name}`;
  }

  async start(): Promise<void> {
    this.checkpoint = await loadCheckpoint(this.deps.prisma, this.checkpointName);
    const control = await this.deps.prisma.processorControl.findUnique({ where: { processor: this.pm.name } });
    this.paused = control?.paused ?? false;
    if (!this.paused) this.subscribe();
  }

  /** Stops taking new events; what was already taken runs to the end. */
  async pause(): Promise<void> {
    await this.setPaused(true);
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  async resume(): Promise<void> {
    await this.setPaused(false);
    if (!this.subscription) this.subscribe();
  }

  async stop(): Promise<void> {
    this.subscription?.unsubscribe();
    this.subscription = undefined;
    while (this.all.size > 0) await Promise.allSettled([...this.all]);
    await this.saving;
  }

  status(): ProcessorStatus {
    return { name: this.pm.name, paused: this.paused, checkpoint: this.checkpoint?.toString() ?? null, inFlight: this.inFlight, queued: this.queued };
  }

  /** Runs a parked command again, with fresh stage-log entries. */
  async retry(causeId: string, command: PipelineCommand, round: string) {
    return executeWithStageLog(this.deps, this.settings, { processor: this.pm.name, causeId, identity: this.identityOf(causeId, command), command, round });
  }

  private identityOf(causeId: string, command: PipelineCommand) {
    return this.pm.idempotentPerSubject ? derivedId(command.purchaseOrderId, command.subjectId) : causeId;
  }

  private async setPaused(paused: boolean) {
    this.paused = paused;
    await this.deps.prisma.processorControl.upsert({ where: { processor: this.pm.name }, create: { processor: this.pm.name, paused }, update: { paused } });
  }

  private subscribe() {
    const filter = { eventTypePrefixes: [...this.pm.handles] };
    this.subscription = this.deps.store.subscribeToAll({ fromPosition: this.lastDelivered ?? this.checkpoint, filter }).subscribe({
      next: (message) => this.onMessage(message),
      error: (error: unknown) => this.deps.logger.error({ err: error, processor: this.pm.name }, "processor subscription failed"),
    });
  }

  private onMessage(message: SubscriptionMessage) {
    if (message.kind !== "event") return;
    const { event } = message;
    if (this.lastDelivered !== undefined && event.position <= this.lastDelivered) return;
    this.lastDelivered = event.position;
    const entry: Delivered = { position: event.position, remaining: 0 };
    this.delivered.push(entry);
    if ((this.pm.handles as readonly string[]).includes(event.type)) {
      const commands = this.pm.react(toEnvelope(event));
      entry.remaining = commands.length;
      for (const command of commands) this.schedule(event.id, event.position, command, entry);
    }
    this.advance();
  }

  private schedule(causeId: string, position: bigint, command: PipelineCommand, entry: Delivered) {
    const subject = command.subjectId || command.purchaseOrderId;
    const { foreground } = this.deps;
    const isForeground = this.pm.priority === "foreground";
    this.queued++;
    if (isForeground) foreground.begin();
    const run = async () => {
      await yieldToEventLoop();
      if (!isForeground) await foreground.idle();
      this.queued--;
      this.inFlight++;
      try {
        await this.execute(causeId, position, command);
      } finally {
        this.inFlight--;
        if (isForeground) foreground.end();
      }
    };
    const tail = (this.subjectTails.get(subject) ?? Promise.resolve()).then(() => this.semaphore.run(run));
    const done = tail.then(
      () => {
        entry.remaining--;
        this.advance();
      },
      (error: unknown) => this.deps.logger.error({ err: error, processor: this.pm.name, position }, "command could not be run or parked; it will run again after a restart"),
    );
    this.subjectTails.set(subject, done);
    this.all.add(done);
    void done.finally(() => {
      this.all.delete(done);
      if (this.subjectTails.get(subject) === done) this.subjectTails.delete(subject);
    });
  }

  private async execute(causeId: string, position: bigint, command: PipelineCommand) {
    const result = await executeWithStageLog(this.deps, this.settings, { processor: this.pm.name, causeId, identity: this.identityOf(causeId, command), command });
    if (!result.parked) return;
    await this.deps.parking.park({
      id: derivedId(causeId, ...commandKey(this.pm.name, command), "parked"),
      processor: this.pm.name,
      causeEventId: causeId,
      position,
      command,
      error: result.error,
      attempts: result.attempts,
      parkedAt: this.deps.clock.now(),
    });
  }

  private advance() {
    let moved = false;
    while (this.delivered[0]?.remaining === 0) {
      this.checkpoint = this.delivered.shift()!.position;
      moved = true;
    }
    if (moved) this.saveCheckpointSoon();
  }

  /** Checkpoint writes are coalesced: at most one in flight, always saving the newest position. */
  private saveCheckpointSoon() {
    if (this.saveQueued) return;
    this.saveQueued = true;
    this.saving = this.saving.then(async () => {
      this.saveQueued = false;
      const position = this.checkpoint;
      if (position === undefined) return;
      await saveCheckpoint(this.deps.prisma, this.checkpointName, position).catch((error: unknown) =>
        this.deps.logger.warn({ err: error, processor: this.pm.name }, "checkpoint not saved; events after the last saved one will be redelivered"),
      );
    });
  }
}
