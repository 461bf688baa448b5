import { NotFound } from "../errors.ts";
import { recordQuarantineSkipped } from "../application/quarantineSkips.ts";
import { recordStage } from "../application/stageLog.ts";
import { quarantineCounts } from "../consumers/quarantine.ts";
import { derivedId } from "../application/eventIds.ts";
import { DomainRuleViolation } from "../errors.ts";
import type { PersistentSubscriptions } from "../eventstore/persistentSubscriptions.ts";
import { AppendBatcher } from "./appendBatcher.ts";
import { CheckpointedFeed } from "./feeds/checkpointedFeed.ts";
import { ParkingLot, type ParkedMessage } from "./parking.ts";
import { handledTypes, type ProcessManager } from "./processManager.ts";
import { consumerOf } from "./quarantine.ts";
import { ProcessorRunner, type RunnerDependencies, type RunnerSettings } from "./processorRunner.ts";

/**
 * Commands in flight per processor. Most wait on something else (a provider bounded where it is
 * called, a shared write), and those that do not are cheap; many at once lets one write carry many
 * drafts' appends, so a PO the search cache answers is not paced by the provider's bound.
 */
export const defaultRunnerSettings: RunnerSettings = { concurrency: 64, maxAttempts: 5, retryBaseDelayMs: 250, maxRetryDelayMs: 30_000 };

export type RuntimeDependencies = Omit<RunnerDependencies, "parking" | "openFeed" | "batcher"> &
  Partial<Pick<RunnerDependencies, "openFeed">> & {
    /**
     * Whether commands' appends are merged into shared writes: where the log writes several streams
     * in one round trip. EventStoreDB appends stream by stream, so merging there only serialises.
     */
    batchAppends: boolean;
    /** With EventStoreDB: the consumer groups the processors share, for their status and what the server parked. */
    consumerGroups?: { groups: PersistentSubscriptions; groupOf(processor: string): string };
    /** Where the processors' leases are taken, so one instance of each runs however many processes share the database. */
    databaseUrl?: string;
  };

const checkpointedFeeds = (deps: RuntimeDependencies) => async (pm: ProcessManager) =>
  new CheckpointedFeed(
    pm.name,
    { ...deps, lease: deps.databaseUrl ? { databaseUrl: deps.databaseUrl } : undefined },
    { eventTypePrefixes: handledTypes(pm) },
  );

/**
 * Runs every process manager and is the one place operators act on them: status, pause and
 * resume, and the parked messages (list, retry, discard). It holds no business rules.
 */
export class ProcessManagerRuntime {
  private readonly runners: Map<string, ProcessorRunner>;
  readonly parking: ParkingLot;

  constructor(
    private readonly deps: RuntimeDependencies,
    processManagers: readonly ProcessManager[],
    settings: Partial<RunnerSettings> = {},
  ) {
    this.parking = new ParkingLot(deps.prisma);
    const runnerSettings = { ...defaultRunnerSettings, ...settings };
    // One batcher for every processor: a search's result and another draft's attachment share a write.
    const batcher = deps.batchAppends ? new AppendBatcher(deps.store) : undefined;
    const shared = { ...deps, batcher, parking: this.parking, openFeed: deps.openFeed ?? checkpointedFeeds(deps) };
    this.runners = new Map(processManagers.map((pm) => [pm.name, new ProcessorRunner(pm, shared, runnerSettings)]));
  }

  async start(): Promise<void> {
    for (const runner of this.runners.values()) await runner.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
  }

  async status() {
    const head = await this.deps.store.headPosition();
    const parked = await this.parking.countByProcessor();
    const quarantined = await quarantineCounts(this.deps.prisma);
    return Promise.all(
      [...this.runners.values()].map(async (runner) => {
        const status = runner.status();
        const checkpoint = status.checkpoint === null ? -1n : BigInt(status.checkpoint);
        const lag = head === undefined ? 0 : Number(head > checkpoint ? head - checkpoint : 0n);
        const held = quarantined.get(consumerOf(status.name));
        return {
          ...status,
          lag,
          parked: parked.get(status.name) ?? 0,
          quarantinedEvents: held?.events ?? 0,
          ...(await this.consumerGroupOf(status.name)),
        };
      }),
    );
  }

  private async consumerGroupOf(name: string) {
    const shared = this.deps.consumerGroups;
    if (!shared) return {};
    const group = shared.groupOf(name);
    const info = await shared.groups.info(group);
    return {
      consumerGroup: {
        group,
        connections: info.connections.length,
        inFlight: info.inFlightCount,
        parkedOnServer: info.parkedCount,
        lastCheckpointedPosition: info.lastCheckpointedPosition?.toString() ?? null,
      },
    };
  }

  /**
   * Sends what EventStoreDB parked for a processor's group (events no worker could handle, even to
   * park their commands here) back to the group's workers.
   */
  async replayParkedOnServer(name: string) {
    this.runner(name);
    const shared = this.deps.consumerGroups;
    if (!shared)
      throw new DomainRuleViolation(
        `${name} keeps its own checkpoint here (no EventStoreDB); its parked commands are at GET /admin/parked`,
      );
    await shared.groups.replayParked(shared.groupOf(name));
    return { name, replayed: true };
  }

  pause(name: string) {
    return this.runner(name).pause();
  }

  resume(name: string) {
    return this.runner(name).resume();
  }

  async parked(name?: string): Promise<ParkedMessage[]> {
    if (name !== undefined) this.runner(name);
    return this.parking.list(name);
  }

  /** Runs a parked command again; it leaves the parking lot only if it succeeds this time. */
  async retryParked(id: string) {
    const message = await this.parkedMessage(id);
    const result = await this.runner(message.processor).retry(message.causeEventId, message.command, `operator-retry-${message.attempts}`);
    if (result.parked) {
      await this.parking.park({
        ...message,
        error: result.error,
        attempts: message.attempts + result.attempts,
        parkedAt: this.deps.clock.now(),
      });
      return { retried: true, succeeded: false, error: result.error };
    }
    await this.parking.remove(id);
    return { retried: true, succeeded: true };
  }

  /** Gives up on a parked command, and says so in the PO's stage log. */
  async discardParked(id: string, operator: string) {
    const message = await this.parkedMessage(id);
    const { command } = message;
    await recordStage(
      this.deps.store,
      {
        type: "StageSkipped",
        data: {
          purchaseOrderId: command.purchaseOrderId,
          stage: command.stage,
          subjectId: command.subjectId,
          reason: `discarded by ${operator}: ${message.error}`,
          at: this.deps.clock.now().toISOString(),
        },
      },
      derivedId(id, "discarded"),
      {
        merchantId: command.merchantId,
        correlationId: command.purchaseOrderId,
        causationId: message.causeEventId,
        actor: `system:${operator}`,
      },
    );
    await this.parking.remove(id);
  }

  /** Runs a PO's quarantined events of a processor again, in order; they stay quarantined unless all go through. */
  async retryQuarantined(name: string, purchaseOrderId: string) {
    const retried = await this.runner(name).retryQuarantined(purchaseOrderId);
    if (retried === 0) throw new NotFound("Quarantined purchase order", purchaseOrderId);
    return { processor: name, purchaseOrderId, retried };
  }

  /** Gives up on a PO's quarantined events of a processor, and says so in its stage log. */
  async skipQuarantined(name: string, purchaseOrderId: string, operator: string) {
    const skipped = await this.runner(name).skipQuarantined(purchaseOrderId);
    if (skipped.length === 0) throw new NotFound("Quarantined purchase order", purchaseOrderId);
    await recordQuarantineSkipped(this.deps, { consumer: consumerOf(name), purchaseOrderId, events: skipped, operator });
    return { processor: name, purchaseOrderId, skipped: skipped.length };
  }

  private runner(name: string): ProcessorRunner {
    const runner = this.runners.get(name);
    if (!runner) throw new NotFound("Processor", name);
    return runner;
  }

  private async parkedMessage(id: string): Promise<ParkedMessage> {
    const message = await this.parking.get(id);
    if (!message) throw new NotFound("Parked message", id);
    return message;
  }
}
