import type pg from "pg";

export const SHADOW_SCHEMA = "audit_shadow";
const RETIRED_SCHEMA = "audit_retired";
const LIVE_SCHEMA = "public";

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

type ConstraintRow = { table: string; name: string; type: "p" | "u" | "f"; definition: string; index: string | null };

/**
 * Empty copies of the live tables in the shadow schema, with the same names for every index and
 * constraint (a later migration that names one finds it after a swap), foreign keys pointing at the
 * shadow's own tables.
 */
export async function createShadowTables(client: pg.ClientBase, tables: readonly string[]): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${SHADOW_SCHEMA} CASCADE`);
    await client.query(`CREATE SCHEMA ${SHADOW_SCHEMA}`);
    // Printed with the live schema on the search path, foreign keys name their tables unqualified.
    await client.query(`SET LOCAL search_path = ${LIVE_SCHEMA}`);
    const indexes = await client.query<{ definition: string; constraint: string | null }>(
      `select pg_get_indexdef(i.indexrelid) as definition, c.conname as "constraint"
       from pg_index i join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
       left join pg_constraint c on c.conindid = i.indexrelid and c.contype in ('p', 'u')
       where n.nspname = $1 and t.relname = any($2::text[])`,
      [LIVE_SCHEMA, tables],
    );
    const constraints = await client.query<ConstraintRow>(
      `select t.relname as table, c.conname as name, c.contype as type, pg_get_constraintdef(c.oid) as definition, i.relname as index
       from pg_constraint c join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace
       left join pg_class i on i.oid = c.conindid
       where n.nspname = $1 and t.relname = any($2::text[]) and c.contype in ('p', 'u', 'f')
       order by c.contype desc`,
      [LIVE_SCHEMA, tables],
    );
    for (const table of tables)
      await client.query(
        `CREATE TABLE ${SHADOW_SCHEMA}.${quoted(table)} (LIKE ${LIVE_SCHEMA}.${quoted(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY)`,
      );
    await client.query(`SET LOCAL search_path = ${SHADOW_SCHEMA}`);
    for (const index of indexes.rows) await client.query(index.definition.replace(` ON ${LIVE_SCHEMA}.`, ` ON ${SHADOW_SCHEMA}.`));
    // Keys first (the rows are ordered p, u, f), so each foreign key finds the key it references.
    for (const constraint of constraints.rows) {
      const definition =
        constraint.type === "f"
          ? constraint.definition
          : `${constraint.type === "p" ? "PRIMARY KEY" : "UNIQUE"} USING INDEX ${quoted(constraint.index!)}`;
      await client.query(`ALTER TABLE ${quoted(constraint.table)} ADD CONSTRAINT ${quoted(constraint.name)} ${definition}`);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

const LOCK_TIMEOUT_MS = 2_000;
const SWAP_ATTEMPTS = 10;

/**
 * Puts the shadow tables in place of the live ones in one transaction: readers wait for it (a few
 * milliseconds) and then read the new tables, since Postgres resolves a table's name again once the
 * lock it waited for is granted. A lock it cannot get soon (a long reader) or a deadlock with a
 * reader's joins gives up and tries again, so readers are never queued behind it for long.
 * Runs in the caller's session, which must hold whatever keeps the projectors from writing meanwhile.
 */
export async function swapShadowTables(client: pg.ClientBase, tables: readonly string[], beforeCommit: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await client.query("BEGIN");
    try {
      await client.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
      await client.query(`DROP SCHEMA IF EXISTS ${RETIRED_SCHEMA} CASCADE`);
      await client.query(`CREATE SCHEMA ${RETIRED_SCHEMA}`);
      const list = tables.map((table) => `${LIVE_SCHEMA}.${quoted(table)}`).join(", ");
      await client.query(`LOCK TABLE ${list} IN ACCESS EXCLUSIVE MODE`);
      for (const table of tables) await client.query(`ALTER TABLE ${LIVE_SCHEMA}.${quoted(table)} SET SCHEMA ${RETIRED_SCHEMA}`);
      for (const table of tables) await client.query(`ALTER TABLE ${SHADOW_SCHEMA}.${quoted(table)} SET SCHEMA ${LIVE_SCHEMA}`);
      await beforeCommit();
      await client.query("COMMIT");
      break;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      const code = (error as { code?: string }).code;
      // 55P03: lock_timeout; 40P01: deadlock.
      if (attempt >= SWAP_ATTEMPTS || (code !== "55P03" && code !== "40P01")) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
  // The old tables are no longer read by anyone who asks now; a reader still on them keeps them until it ends.
  await client.query(`DROP SCHEMA IF EXISTS ${RETIRED_SCHEMA} CASCADE`);
  await client.query(`DROP SCHEMA IF EXISTS ${SHADOW_SCHEMA} CASCADE`);
}

/** The shadow tables' foreign keys: each table's parents among them. */
export async function shadowForeignKeys(client: pg.Pool, tables: readonly string[]): Promise<Map<string, string[]>> {
  const { rows } = await client.query<{ table: string; parent: string }>(
    `select t.relname as table, p.relname as parent from pg_constraint c
     join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace join pg_class p on p.oid = c.confrelid
     where c.contype = 'f' and n.nspname = $1`,
    [SHADOW_SCHEMA],
  );
  const keys = new Map(tables.map((table) => [table, [] as string[]]));
  for (const row of rows) keys.get(row.table)?.push(row.parent);
  return keys;
}

export async function dropShadowSchema(client: pg.ClientBase): Promise<void> {
  await client.query(`DROP SCHEMA IF EXISTS ${SHADOW_SCHEMA} CASCADE`);
}
