import type pg from "pg";
import { SHADOW_SCHEMA } from "./shadowSchema.ts";

/** One column of one row that the live read models and the rebuilt ones disagree on; a missing row has column "(row)". */
export type Difference = { table: string; key: Record<string, unknown>; column: string; live: unknown; rebuilt: unknown };

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Every row of each live table against its rebuilt copy, joined on the primary key, in the caller's
 * transaction (its snapshot is the moment compared). Rows are compared as a whole in SQL; only rows
 * that differ come back, and are split into their columns here.
 */
export async function compareTables(
  client: pg.ClientBase,
  tables: readonly string[],
  limit: number,
): Promise<{ differences: Difference[]; rows: number }> {
  const differences: Difference[] = [];
  let rows = 0;
  for (const table of tables) {
    const key = await primaryKey(client, table);
    const on = key.map((column) => `l.${quoted(column)} = r.${quoted(column)}`).join(" and ");
    const order = key.map((column) => `coalesce(l.${quoted(column)}, r.${quoted(column)})`).join(", ");
    const result = await client.query<{ live: Record<string, unknown> | null; rebuilt: Record<string, unknown> | null }>(
      `select to_jsonb(l) as live, to_jsonb(r) as rebuilt
       from public.${quoted(table)} l full join ${SHADOW_SCHEMA}.${quoted(table)} r on ${on}
       where to_jsonb(l) is distinct from to_jsonb(r) order by ${order} limit ${limit + 1}`,
    );
    rows += result.rows.length;
    for (const { live, rebuilt } of result.rows) {
      const either = (live ?? rebuilt)!;
      const rowKey = Object.fromEntries(key.map((column) => [column, either[column]]));
      if (!live || !rebuilt) {
        differences.push({ table, key: rowKey, column: "(row)", live, rebuilt });
        continue;
      }
      for (const column of Object.keys(live))
        if (JSON.stringify(live[column]) !== JSON.stringify(rebuilt[column]))
          differences.push({ table, key: rowKey, column, live: live[column], rebuilt: rebuilt[column] });
    }
    if (differences.length >= limit) break;
  }
  return { differences: differences.slice(0, limit), rows };
}

async function primaryKey(client: pg.ClientBase, table: string): Promise<string[]> {
  const result = await client.query<{ column: string }>(
    `select a.attname as column from pg_index i
     join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
     where i.indrelid = $1::regclass and i.indisprimary order by array_position(i.indkey, a.attnum)`,
    [`public.${quoted(table)}`],
  );
  return result.rows.map((row) => row.column);
}
