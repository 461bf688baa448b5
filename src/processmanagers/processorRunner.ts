import { decodeEvent } from "../eventlog/decodeEvent.ts";
import type { RecordedEvent } from "../eventstore/port.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { derivedId } from "../application/eventIds.ts";
import type { Append } from "../application/handlerTypes.ts";
import { NotFound } from "../errors.ts";
import type { AppendBatcher } from "./appendBatcher.ts";
import type { Backpressure } from "./backpressure.ts";
import type { PipelineCommand } from "./commands.ts";
import type { ParkingLot } from "./parking.ts";
import { handledTypes, react, type ProcessManager } from "./processManager.ts";
import { ProcessorQuarantine } from "./quarantine.ts";
import { Semaphore } from "../semaphore.ts";
import type { EventFeed } from "./feeds/feed.ts";
import { commandKey, executeWithStageLog, type ExecutionDependencies, type RetrySettings } from "./stageExecution.ts";

export type RunnerSettings = RetrySettings & { concurrency: number };

export type RunnerDependencies = Omit<ExecutionDependencies, "append"> & {
  /** Merges the appends of commands ready together into shared writes; without it each writes its own. */
  batcher: AppendBatcher | undefined;
  prisma: PrismaClient;
  parking: ParkingLot;
  /** Held while a merchant waits (an upload, the read models applying events): no new command starts meanwhile. */
  foregroundBusy: Backpressure;
  /** Where each processor's events come from: a checkpointed subscription, or competing consumers. */
  openFeed(pm: ProcessManager): Promise<EventFeed>;
};

export type ProcessorStatus = { name: string; paused: boolean; checkpoint: string | null; inFlight: number; queued: number };

/**
 * Drives one process manager: takes its events from a feed, runs the commands it reacts with
 * (different subjects concurrently up to a bound, one subject's commands in order), and tells the
 * feed an event is done only when every one of its commands has finished or been parked.
 */
export class ProcessorRunner {
  /** None in a process that serves the API only, and runs no process manager. */
  private feed: EventFeed | undefined;
  private quarantine: ProcessorQuarantine | undefined;
  private running = false;
  private readonly subjectTails = new Map<string, Promise<void>>();
  /** Per subject, a command of an idempotentPerSubject processor that is queued and not yet started. */
  private readonly notYetStarted = new Map<string, Promise<void>>();
  private readonly semaphore: Semaphore;
  private readonly handled: Set<string>;
  private readonly all = new Set<Promise<void>>();
  private inFlight = 0;
  private queued = 0;
  paused = false;

  constructor(
    readonly pm: ProcessManager,
    private readonly deps: RunnerDependencies,
    private readonly settings: RunnerSettings,
  ) {
    this.semaphore = new Semaphore(settings.concurrency);
    this.handled = new Set(handledTypes(pm));
  }

  async start(): Promise<void> {
    this.quarantine = await ProcessorQuarantine.load(this.deps.prisma, this.pm.name);
    this.feed = await this.deps.openFeed(this.pm);
    const control = await this.deps.prisma.processorControl.findUnique({ where: { processor: this.pm.name } });
    this.paused = control?.paused ?? false;
    if (!this.paused) this.take();
  }

  /** Stops taking new events; what was already taken runs to the end. */
  async pause(): Promise<void> {
    await this.setPaused(true);
    this.feed?.stop();
    this.running = false;
  }

  async resume(): Promise<void> {
    await this.setPaused(false);
    this.take();
  }

  async stop(): Promise<void> {
    this.feed?.stop();
    this.running = false;
    while (this.all.size > 0) await Promise.allSettled([...this.all]);
    await this.feed?.flush();
  }

  status(): ProcessorStatus {
    const checkpoint = this.feed?.checkpoint();
    return {
      name: this.pm.name,
      paused: this.paused,
      checkpoint: checkpoint?.toString() ?? null,
      inFlight: this.inFlight,
      queued: this.queued,
    };
  }

  /** Runs a parked command again, with fresh stage-log entries. */
  async retry(causeId: string, command: PipelineCommand, round: string) {
    return executeWithStageLog({ ...this.deps, append: this.append }, this.settings, { ...this.execution(causeId, command), round });
  }

  private readonly append: Append = (appends) =>
    this.deps.batcher ? this.deps.batcher.append(appends) : this.deps.store.appendToStreams(appends);

  /**
   * For a command that holds a place in the semaphore: waiting for the shared write is not work, so
   * meanwhile the next command reads and decides, and its appends join the same write.
   */
  private readonly appendGivingUpPlace: Append = (appends) =>
    this.deps.batcher ? this.semaphore.outside(() => this.append(appends)) : this.append(appends);

  private execution(causeId: string, command: PipelineCommand) {
    const oncePerSubject = this.pm.idempotentPerSubject ?? false;
    const identity = oncePerSubject ? derivedId(command.purchaseOrderId, command.subjectId) : causeId;
    return { processor: this.pm.name, causeId, identity, command, oncePerSubject };
  }

  private async setPaused(paused: boolean) {
    this.paused = paused;
    await this.deps.prisma.processorControl.upsert({
      where: { processor: this.pm.name },
      create: { processor: this.pm.name, paused },
      update: { paused },
    });
  }

  private take() {
    if (this.running || !this.feed) return;
    this.running = true;
    this.feed.start((event) => this.handle(event));
  }

  private async handle(event: RecordedEvent): Promise<void> {
    if (!this.handled.has(event.type)) return;
    const commands = await this.quarantine!.commandsFor(event, (envelope) => react(this.pm, envelope));
    await Promise.all(commands.map((command) => this.schedule(event.id, event.position, command)));
  }

  /**
   * Runs a PO's quarantined events again, in order, after the cause was fixed; they leave the
   * quarantine once every command they call for has finished or been parked.
   */
  async retryQuarantined(purchaseOrderId: string): Promise<number> {
    const quarantine = this.quarantine ?? (await ProcessorQuarantine.load(this.deps.prisma, this.pm.name));
    const rows = await quarantine.quarantinedOf(purchaseOrderId);
    for (const row of rows) {
      const [event] = await this.deps.store.readAll({ fromPosition: row.position, maxCount: 1 });
      if (!event || event.position !== row.position) throw new NotFound("Event at position", row.position.toString());
      for (const command of react(this.pm, decodeEvent(event))) await this.execute(event.id, event.position, command);
    }
    await quarantine.release(purchaseOrderId);
    return rows.length;
  }

  async skipQuarantined(purchaseOrderId: string) {
    const quarantine = this.quarantine ?? (await ProcessorQuarantine.load(this.deps.prisma, this.pm.name));
    return quarantine.release(purchaseOrderId);
  }

  private schedule(causeId: string, position: bigint, command: PipelineCommand): Promise<void> {
    const subject = command.subjectId || command.purchaseOrderId;
    // Asking again for what a queued command will do anyway (open this PO's review) is answered by it:
    // it has yet to read the state, so it sees whatever this event saw.
    const alreadyQueued = this.pm.idempotentPerSubject ? this.notYetStarted.get(subject) : undefined;
    if (alreadyQueued) return alreadyQueued;
    this.queued++;
    const run = async () => {
      await this.deps.foregroundBusy.idle();
      if (this.notYetStarted.get(subject) === done) this.notYetStarted.delete(subject);
      this.queued--;
      this.inFlight++;
      try {
        await this.execute(causeId, position, command, this.appendGivingUpPlace);
      } finally {
        this.inFlight--;
      }
    };
    const done: Promise<void> = (this.subjectTails.get(subject) ?? Promise.resolve()).then(() => this.semaphore.run(run));
    if (this.pm.idempotentPerSubject) this.notYetStarted.set(subject, done);
    // The next command of the subject waits for this one, whether it worked or not.
    const tail = done.catch(() => undefined);
    this.subjectTails.set(subject, tail);
    this.all.add(tail);
    void tail.finally(() => {
      this.all.delete(tail);
      if (this.subjectTails.get(subject) === tail) this.subjectTails.delete(subject);
    });
    return done;
  }

  private async execute(causeId: string, position: bigint, command: PipelineCommand, append = this.append) {
    const result = await executeWithStageLog({ ...this.deps, append }, this.settings, this.execution(causeId, command));
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
}
