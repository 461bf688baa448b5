import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { Envelope } from "../domain/events.ts";
import { decodeEvent } from "../eventlog/decodeEvent.ts";
import type { EventStore, RecordedEvent } from "../eventstore/port.ts";
import { PrismaClient } from "../generated/prisma/client.ts";
import { correlationOf } from "../consumers/quarantine.ts";
import { isDatabaseUnavailable } from "../db/errors.ts";
import { applyEvents, projectedTypes, type ProjectionTransaction } from "../projections/projection.ts";
import { projectionGroups } from "../projections/registry.ts";
import type { GroupName } from "./readModelTables.ts";
import type { ForeignKeys } from "../projections/tableTies.ts";
import { groupTables } from "./readModelTables.ts";
import { SHADOW_SCHEMA, shadowForeignKeys } from "./shadowSchema.ts";

const PAGE_SIZE = 5_000;
/** Lanes of purchase orders written at once: a rebuild waits mostly on round trips, which lanes overlap. */
const LANES = 4;
/** Pages read and decoded but not yet written by every lane: what bounds the rebuild's memory. */
const PAGES_AHEAD = 3;

export type RebuildProgress = { position: bigint; target: bigint; events: number };

/**
 * An event the rebuild could not fold in, since it does not decode or its projection's write fails,
 * or one held back behind such an event of its PO: the live projector quarantined it too.
 */
export type SkippedEvent = { position: string; type: string; stream: string; reason: string };

/** Where each group's shadow tables have got to; undefined before the group's first event. */
export type GroupPositions = Map<GroupName, bigint | undefined>;

/**
 * The read models of some projection groups folded from the log into the shadow schema, by the
 * projections' own code: its Prisma client names the shadow schema and its connections' search path
 * holds nothing else, so the raw row batches land there too. Its transactions do not wait for the
 * disk: a crash loses the shadow, never the log.
 */
export class ShadowRebuild {
  readonly applied: GroupPositions;
  readonly skipped: SkippedEvent[] = [];
  events = 0;
  private readonly pool: pg.Pool;
  private readonly prisma: PrismaClient;
  private readonly types: string[];
  private foreignKeys: Promise<ForeignKeys> | undefined;
  private readonly draftOwners = new Map<string, string>();
  private readonly laneOf = new Map<string, number>();
  /** Per group, the POs held back behind an event that group could not apply, and that event's position. */
  private readonly held = new Map<string, bigint>();

  constructor(
    private readonly store: EventStore,
    databaseUrl: string,
    private readonly groups: readonly GroupName[],
  ) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: LANES + 2, options: `-c search_path=${SHADOW_SCHEMA}` });
    this.prisma = new PrismaClient({ adapter: new PrismaPg(this.pool, { schema: SHADOW_SCHEMA }) });
    this.applied = new Map(groups.map((group) => [group, undefined]));
    this.types = [...new Set(groups.flatMap((group) => projectionGroups[group].flatMap(projectedTypes)))];
  }

  /**
   * Folds in every event after what each group has, up to its target. A page's events are split by
   * the purchase order their rows belong to (every row of these read models is one PO's) into lanes
   * that write at once, each in its own transaction on its own connection, the groups in registry
   * order within a lane; the optimization group's rows are the jobs', so it has a lane of its own.
   * A lane takes its next page once it has written this one; the reader stays a few pages ahead.
   */
  async catchUp(targets: GroupPositions, onProgress: (progress: RebuildProgress) => void = () => undefined): Promise<void> {
    const target = [...targets.values()].reduce<bigint>(
      (max, position) => (position !== undefined && position > max ? position : max),
      -1n,
    );
    const from = new Map(this.applied);
    const start = [...from.values()].reduce<bigint | undefined>(
      (min, position) => (min === undefined || (position ?? -1n) < min ? (position ?? -1n) : min),
      undefined,
    );
    if (target < 0n || start === undefined || start >= target) return;
    const lanes: Promise<void>[] = Array.from({ length: LANES + 1 }, () => Promise.resolve());
    const pagesWritten: Promise<unknown>[] = [];
    let next = this.page(start + 1n, target);
    for (;;) {
      const page = await next;
      if (page.length === 0) break;
      const last = page.at(-1)!.position;
      next = last >= target ? Promise.resolve([]) : this.page(last + 1n, target);
      const written = this.split(this.decode(page)).map((envelopes, lane) => {
        const groups = lane === LANES ? this.groups.filter((g) => g === "optimization") : this.groups.filter((g) => g !== "optimization");
        const write = lanes[lane]!.then(() => this.write(groups, envelopes, from, targets));
        // Awaited below; marked handled here so a lane failing ahead of the others is no unhandled rejection.
        write.catch(() => undefined);
        return (lanes[lane] = write);
      });
      const events = (this.events += page.length);
      pagesWritten.push(Promise.all(written).then(() => onProgress({ position: last, target, events })));
      if (pagesWritten.length > PAGES_AHEAD) await pagesWritten.shift();
    }
    await Promise.all(pagesWritten);
    for (const [group, reach] of targets) if (reach !== undefined) this.applied.set(group, reach);
  }

  async close(): Promise<void> {
    await this.prisma.$disconnect();
    await this.pool.end();
  }

  private async page(from: bigint, upTo: bigint): Promise<RecordedEvent[]> {
    const events = await this.store.readAll({ fromPosition: from, maxCount: PAGE_SIZE, filter: { eventTypePrefixes: this.types } });
    return events.filter((event) => event.position <= upTo);
  }

  private decode(page: RecordedEvent[]): Envelope[] {
    const envelopes: Envelope[] = [];
    for (const event of page) {
      try {
        envelopes.push(decodeEvent(event));
      } catch (error) {
        this.skipped.push({
          position: event.position.toString(),
          type: event.type,
          stream: event.streamName,
          reason: (error as Error).message,
        });
      }
    }
    return envelopes;
  }

  /** The page's events by lane: a PO's always in the same one (the draft streams' by the PO that created them), the jobs' in the last. */
  private split(envelopes: Envelope[]): Envelope[][] {
    const lanes: Envelope[][] = Array.from({ length: LANES + 1 }, () => []);
    for (const envelope of envelopes) {
      const { event, streamName, metadata } = envelope;
      if (event.type === "DraftsCreated")
        for (const draft of event.data.drafts) this.draftOwners.set(draft.draftId, event.data.purchaseOrderId);
      const owner = streamName.startsWith("draft-") ? this.draftOwners.get(streamName.slice("draft-".length)) : undefined;
      const purchaseOrder = owner ?? metadata.correlationId;
      let lane = this.laneOf.get(purchaseOrder);
      if (lane === undefined) this.laneOf.set(purchaseOrder, (lane = this.laneOf.size % LANES));
      lanes[lane]!.push(envelope);
      lanes[LANES]!.push(envelope);
    }
    return lanes;
  }

  private async write(groups: readonly GroupName[], envelopes: Envelope[], from: GroupPositions, targets: GroupPositions): Promise<void> {
    // Read once the shadow tables exist; with them, a page's rows are written only when a write needs them.
    const foreignKeys = await (this.foreignKeys ??= shadowForeignKeys(
      this.pool,
      this.groups.flatMap((group) => groupTables[group]),
    ));
    const work = groups.flatMap((group) => {
      const after = from.get(group);
      const upTo = targets.get(group);
      const own = envelopes.filter((e) => upTo !== undefined && e.position <= upTo && (after === undefined || e.position > after));
      return own.length > 0 ? [{ group, own }] : [];
    });
    if (work.length === 0) return;
    const holding = work.some(({ group, own }) => own.some((envelope) => this.held.has(heldKey(group, envelope))));
    if (!holding) {
      try {
        // Parents first, as the live projectors run: the images group never gets ahead of the drafts'.
        return await this.transaction(async (tx) => {
          for (const { group, own } of work) await applyEvents(tx, projectionGroups[group], own, foreignKeys);
        });
      } catch (error) {
        if (isDatabaseUnavailable(error)) throw error;
      }
    }
    // One event at a time, so the one at fault is skipped with its PO's later events, as the live projector quarantines them.
    for (const { group, own } of work) for (const envelope of own) await this.writeAlone(group, envelope, foreignKeys);
  }

  private async writeAlone(group: GroupName, envelope: Envelope, foreignKeys: ForeignKeys): Promise<void> {
    const key = heldKey(group, envelope);
    const behind = this.held.get(key);
    if (behind !== undefined) return this.skip(envelope, `held behind the event at position ${behind}, which ${group} could not apply`);
    try {
      await this.transaction((tx) => applyEvents(tx, projectionGroups[group], [envelope], foreignKeys));
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      this.held.set(key, envelope.position);
      this.skip(envelope, `${group} could not apply it: ${(error as Error).message.trim()}`);
    }
  }

  private skip(envelope: Envelope, reason: string): void {
    this.skipped.push({ position: envelope.position.toString(), type: envelope.event.type, stream: envelope.streamName, reason });
  }

  private transaction(write: (tx: ProjectionTransaction) => Promise<void>): Promise<void> {
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe("SELECT set_config('synchronous_commit', 'off', true)");
        await write(tx);
      },
      { maxWait: 30_000, timeout: 600_000 },
    );
  }
}

const heldKey = (group: GroupName, envelope: Envelope) => `${group}:${correlationOf(envelope)}`;
