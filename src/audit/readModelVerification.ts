import pg from "pg";
import type { EventStore } from "../eventstore/port.ts";
import { compareTables, type Difference } from "./compareTables.ts";
import { groupNames, groupTables, withDependencies, type GroupName } from "./readModelTables.ts";
import { ShadowRebuild, type GroupPositions, type RebuildProgress, type SkippedEvent } from "./shadowRebuild.ts";
import { createShadowTables, dropShadowSchema, swapShadowTables } from "./shadowSchema.ts";

const MAX_DIFFERENCES = 1_000;
/** One verification at a time: they share the shadow schema. */
const VERIFY_LOCK = "audit:verify";

export type VerifyOptions = { groups?: readonly GroupName[]; swap?: boolean };

export type VerifyReport = {
  groups: GroupName[];
  /** The position each group was rebuilt and compared at: the live projector's checkpoint then. */
  comparedAt: Record<string, string | null>;
  events: number;
  differences: Difference[];
  /** More differences than reported were found. */
  truncated: boolean;
  skipped: SkippedEvent[];
  swapped: boolean;
  seconds: number;
};

export class VerificationRunning extends Error {
  override readonly name = "VerificationRunning";
  constructor() {
    super("Another read-model verification is running; try again once it has finished");
  }
}

const consumerOf = (group: GroupName) => `projection:${group}`;

/**
 * Replay and verify: rebuilds projection groups from position zero into a shadow schema, compares
 * them row by row with the live read models at the same position, and with `swap` puts the rebuilt
 * tables in place (blue/green). The live projectors are never stopped: the rebuild catches up to
 * their checkpoints, then holds their consumer locks (what each of their batches takes) only for the
 * last few events, the comparison's snapshot and the swap, so the live projector carries on from the
 * checkpoint the rebuilt tables are at.
 */
export async function verifyReadModels(
  deps: { store: EventStore; databaseUrl: string },
  options: VerifyOptions = {},
  onProgress: (progress: RebuildProgress) => void = () => undefined,
): Promise<VerifyReport> {
  const started = Date.now();
  const groups = withDependencies(options.groups ?? groupNames);
  const tables = groups.flatMap((group) => groupTables[group]);
  const session = new pg.Client({ connectionString: deps.databaseUrl, application_name: "po-pipeline audit verify" });
  await session.connect();
  const rebuild = new ShadowRebuild(deps.store, deps.databaseUrl, groups);
  let swapped = false;
  let owner = false;
  try {
    const { rows } = await session.query<{ locked: boolean }>("select pg_try_advisory_lock(hashtextextended($1, 1)) as locked", [
      VERIFY_LOCK,
    ]);
    if (!rows[0]!.locked) throw new VerificationRunning();
    owner = true;
    await createShadowTables(session, tables);
    await rebuild.catchUp(await checkpoints(session, groups), onProgress);

    // From here the live projectors wait: what is left to fold in is what they applied during the rebuild.
    for (const group of groups) await session.query("select pg_advisory_lock(hashtextextended($1, 1))", [consumerOf(group)]);
    const comparedAt = await checkpoints(session, groups);
    await rebuild.catchUp(comparedAt, onProgress);
    const comparison = await compareAt(deps.databaseUrl, tables, () =>
      options.swap ? Promise.resolve() : unlockConsumers(session, groups),
    );
    if (options.swap) {
      await swapShadowTables(session, tables, async () => {
        // The rebuilt tables hold what the log says, so nothing the live projectors held back stays held.
        await session.query('delete from public."QuarantinedEvent" where consumer = any($1::text[])', [groups.map(consumerOf)]);
      });
      swapped = true;
      await unlockConsumers(session, groups);
    }
    return {
      groups,
      comparedAt: Object.fromEntries([...comparedAt].map(([group, position]) => [group, position?.toString() ?? null])),
      events: rebuild.events,
      differences: comparison.differences,
      truncated: comparison.rows > MAX_DIFFERENCES,
      skipped: rebuild.skipped,
      swapped,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    await rebuild.close();
    // The shadow schema is the running verification's when another one holds the lock.
    if (owner && !swapped) await dropShadowSchema(session).catch(() => undefined);
    // Ending the session frees every lock it holds, the consumers' included.
    await session.end();
  }
}

async function checkpoints(session: pg.Client, groups: readonly GroupName[]): Promise<GroupPositions> {
  const { rows } = await session.query<{ subscriber: string; position: string }>(
    'select subscriber, position::text from public."Checkpoint" where subscriber = any($1::text[])',
    [groups.map(consumerOf)],
  );
  const found = new Map(rows.map((row) => [row.subscriber, BigInt(row.position)]));
  return new Map(groups.map((group) => [group, found.get(consumerOf(group))]));
}

async function unlockConsumers(session: pg.Client, groups: readonly GroupName[]): Promise<void> {
  for (const group of groups) await session.query("select pg_advisory_unlock(hashtextextended($1, 1))", [consumerOf(group)]);
}

/**
 * Compares in a snapshot of its own, taken while the live projectors wait; `snapshotTaken` may let
 * them go on, since the snapshot keeps the moment compared.
 */
async function compareAt(databaseUrl: string, tables: readonly string[], snapshotTaken: () => Promise<void>) {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "po-pipeline audit compare" });
  await client.connect();
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    await client.query("select 1");
    await snapshotTaken();
    const comparison = await compareTables(client, tables, MAX_DIFFERENCES);
    await client.query("COMMIT");
    return comparison;
  } finally {
    await client.end();
  }
}
