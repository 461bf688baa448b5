import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import type { Envelope } from "../domain/events.ts";
import { decodeEvent } from "../eventlog/decodeEvent.ts";
import type { EventStore, RecordedEvent } from "../eventstore/port.ts";
import { PrismaClient } from "../generated/prisma/client.ts";
import { applyEvents, projectedTypes } from "../projections/projection.ts";
import { projectionGroups } from "../projections/registry.ts";
import type { GroupName } from "./readModelTables.ts";
import type { ForeignKeys } from "../projections/tableTies.ts";
import { groupTables } from "./readModelTables.ts";
import { SHADOW_SCHEMA, shadowForeignKeys } from "./shadowSchema.ts";

const PAGE_SIZE = 5_000;

export type RebuildProgress = { position: bigint; target: bigint; events: number };

/** An event the rebuild could not fold in, since it does not decode: the live projector quarantined it too. */
export type SkippedEvent = { position: string; type: string; stream: string; reason: string };

/** Where each group's shadow tables have got to; undefined before the group's first event. */
export type GroupPositions = Map<GroupName, bigint | undefined>;

/**
 * The read models of some projection groups folded from the log into the shadow schema, by the
 * projections' own code: its Prisma client names the shadow schema and its connections' search path
 * holds nothing else, so the raw row batches land there too. Pages are read ahead while the last one
 * is written, each page one transaction that does not wait for the disk (a crash loses the shadow, not the log).
 */
export class ShadowRebuild {
  readonly applied: GroupPositions;
  readonly skipped: SkippedEvent[] = [];
  events = 0;
  private readonly pool: pg.Pool;
  private readonly prisma: PrismaClient;
  private readonly types: string[];
  private foreignKeys: Promise<ForeignKeys> | undefined;

  constructor(
    private readonly store: EventStore,
    databaseUrl: string,
    private readonly groups: readonly GroupName[],
  ) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 2, options: `-c search_path=${SHADOW_SCHEMA}` });
    this.prisma = new PrismaClient({ adapter: new PrismaPg(this.pool, { schema: SHADOW_SCHEMA }) });
    this.applied = new Map(groups.map((group) => [group, undefined]));
    this.types = [...new Set(groups.flatMap((group) => projectionGroups[group].flatMap(projectedTypes)))];
  }

  /** Folds in every event after what each group has, up to its target. */
  async catchUp(targets: GroupPositions, onProgress: (progress: RebuildProgress) => void = () => undefined): Promise<void> {
    const target = [...targets.values()].reduce<bigint>(
      (max, position) => (position !== undefined && position > max ? position : max),
      -1n,
    );
    const start = [...this.applied.values()].reduce<bigint | undefined>(
      (min, position) => (min === undefined || (position ?? -1n) < min ? (position ?? -1n) : min),
      undefined,
    );
    if (target < 0n || start === undefined || start >= target) return;
    let next = this.page(start + 1n, target);
    for (;;) {
      const page = await next;
      if (page.length === 0) break;
      const last = page.at(-1)!.position;
      // The next page is read while this one is written.
      next = last >= target ? Promise.resolve([]) : this.page(last + 1n, target);
      await this.write(this.decode(page), targets);
      for (const group of this.groups) {
        const reach = targets.get(group);
        if (reach !== undefined) this.applied.set(group, last < reach ? last : reach);
      }
      this.events += page.length;
      onProgress({ position: last, target, events: this.events });
    }
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

  private async write(envelopes: Envelope[], targets: GroupPositions): Promise<void> {
    // Read once the shadow tables exist; with them, a page's rows are written only when a write needs them.
    const foreignKeys = await (this.foreignKeys ??= shadowForeignKeys(
      this.pool,
      this.groups.flatMap((group) => groupTables[group]),
    ));
    await this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRawUnsafe("SELECT set_config('synchronous_commit', 'off', true)");
        // Parents first, as the live projectors run: the images group never gets ahead of the drafts'.
        for (const group of this.groups) {
          const from = this.applied.get(group);
          const upTo = targets.get(group);
          if (upTo === undefined) continue;
          const own = envelopes.filter((envelope) => envelope.position <= upTo && (from === undefined || envelope.position > from));
          await applyEvents(tx, projectionGroups[group], own, foreignKeys);
        }
      },
      { maxWait: 30_000, timeout: 600_000 },
    );
  }
}
