import type { ProjectionTransaction } from "./projection.ts";

export type ColumnType = "uuid" | "text" | "int" | "bigint" | "numeric" | "float8" | "timestamptz" | "boolean" | "jsonb";

/** A table rows are batched into: each column's SQL type, and the columns that name a row. */
export type BatchTable<Row> = { name: string; key: readonly (keyof Row & string)[]; columns: { [C in keyof Row & string]: ColumnType } };

type Values = Record<string, unknown>;

type Pending =
  | { kind: "insert"; table: BatchTable<never>; rows: Values[]; byKey?: Map<string, Values> }
  | { kind: "upsert"; table: BatchTable<never>; rows: Map<string, { create: Values; set: Values }> }
  | { kind: "update"; table: BatchTable<never>; rows: Map<string, Values> }
  | { kind: "raise"; table: BatchTable<never>; by: string; rows: Map<string, Values> };

/**
 * The row writes of a run of events, held in memory and written at the end of the run with one
 * statement per table and set of columns (`insert … select from unnest(…)`, one array per column),
 * instead of one statement per event. Later writes to a row merge over earlier ones, so the rows come
 * out as the same writes in log order would leave them. The projector flushes before any write that
 * goes straight to the database, so those see every row an earlier event wrote.
 */
export class RowBatch {
  private readonly pending = new Map<string, Pending>();

  /** A new row (the event log never repeats one). */
  insert<Row>(table: BatchTable<Row>, row: Partial<Row>): void {
    const pending = this.take(table, "insert", () => ({ kind: "insert", table, rows: [] }));
    if (pending.kind !== "insert") return;
    pending.rows.push(row as Values);
    pending.byKey?.set(keyOf(table, row as Values), row as Values);
  }

  /**
   * Sets `row`'s columns on the row its key names, which must exist: a row this batch creates takes
   * them in its own insert, any other is updated, and a missing one fails the batch (as an update
   * of a missing row would fail the event).
   */
  update<Row>(table: BatchTable<Row>, row: Partial<Row>): void {
    const key = keyOf(table, row as Values);
    const inserted = this.pending.get(`insert:${table.name}`);
    if (inserted?.kind === "insert") {
      // Indexed by key once a table's rows are updated, not for every insert of every table.
      inserted.byKey ??= new Map(inserted.rows.map((r) => [keyOf(table, r), r]));
      const created = inserted.byKey.get(key);
      if (created) return void Object.assign(created, row);
    }
    const pending = this.take(table, "update", () => ({ kind: "update", table, rows: new Map() }));
    if (pending.kind === "update") pending.rows.set(key, { ...pending.rows.get(key), ...(row as Values) });
  }

  /** Creates the row with `create` and `set`, or updates `set` on the row that is there. */
  upsert<Row>(table: BatchTable<Row>, create: Partial<Row>, set: Partial<Row>): void {
    const pending = this.take(table, "upsert", () => ({ kind: "upsert", table, rows: new Map() }));
    if (pending.kind !== "upsert") return;
    const key = keyOf(table, create as Values);
    const before = pending.rows.get(key);
    pending.rows.set(
      key,
      before ? { create: { ...before.create, ...set }, set: { ...before.set, ...set } } : { create: { ...create, ...set }, set },
    );
  }

  /** Sets `row`'s columns on the existing row, only if its `by` column is lower: a counter that never goes back. */
  raise<Row>(table: BatchTable<Row>, by: keyof Row & string, row: Partial<Row>): void {
    const pending = this.take(table, `raise:${by}`, () => ({ kind: "raise", table, by, rows: new Map() }));
    if (pending.kind !== "raise") return;
    const key = keyOf(table, row as Values);
    const before = pending.rows.get(key);
    if (!before || (before[by] as bigint | number) < (row[by] as bigint | number)) pending.rows.set(key, row as Values);
  }

  /** Writes what is held, in the order the tables were first written to: parents before their children. */
  flush(tx: ProjectionTransaction): Promise<void> {
    return this.flushTables(tx, () => true);
  }

  /** Writes what is held for the tables `which` picks, the rest staying held; by `rank` (lowest first) where given. */
  async flushTables(tx: ProjectionTransaction, which: (table: string) => boolean, rank?: (table: string) => number): Promise<void> {
    const pending = [...this.pending].filter(([, writes]) => which(writes.table.name));
    if (rank) pending.sort(([, a], [, b]) => rank(a.table.name) - rank(b.table.name));
    for (const [id] of pending) this.pending.delete(id);
    for (const [, writes] of pending) {
      if (writes.kind === "insert") await inGroups(writes.rows, (rows) => insertRows(tx, writes.table, rows));
      if (writes.kind === "upsert") await upsertRows(tx, writes.table, [...writes.rows.values()]);
      if (writes.kind === "update") await inGroups([...writes.rows.values()], (rows) => updateRows(tx, writes.table, rows));
      if (writes.kind === "raise") await inGroups([...writes.rows.values()], (rows) => raiseRows(tx, writes.table, writes.by, rows));
    }
  }

  private take(table: BatchTable<never>, kind: string, create: () => Pending): Pending {
    const id = `${kind}:${table.name}`;
    let pending = this.pending.get(id);
    if (!pending) this.pending.set(id, (pending = create()));
    return pending;
  }
}

const keyOf = (table: BatchTable<never>, row: Values) => JSON.stringify(table.key.map((column) => row[column]));

/** Rows with the same columns go in one statement; different sets of columns (a default left to the table) in their own. */
async function inGroups(rows: Values[], write: (rows: Values[]) => Promise<unknown>): Promise<void> {
  const groups = new Map<string, Values[]>();
  for (const row of rows) {
    const shape = Object.keys(row).sort().join(",");
    const group = groups.get(shape);
    if (group) group.push(row);
    else groups.set(shape, [row]);
  }
  for (const group of groups.values()) await write(group);
}

async function upsertRows(tx: ProjectionTransaction, table: BatchTable<never>, rows: { create: Values; set: Values }[]): Promise<void> {
  const groups = new Map<string, { create: Values; set: Values }[]>();
  for (const row of rows) {
    const shape = `${Object.keys(row.create).sort().join(",")}|${Object.keys(row.set).sort().join(",")}`;
    const group = groups.get(shape);
    if (group) group.push(row);
    else groups.set(shape, [row]);
  }
  for (const group of groups.values()) {
    const set = Object.keys(group[0]!.set).filter((column) => !table.key.includes(column as never));
    const onConflict = set.length === 0 ? "do nothing" : `do update set ${set.map((c) => `"${c}" = excluded."${c}"`).join(", ")}`;
    await insertRows(
      tx,
      table,
      group.map((row) => row.create),
      `on conflict (${table.key.map((c) => `"${c}"`).join(", ")}) ${onConflict}`,
    );
  }
}

function insertRows(tx: ProjectionTransaction, table: BatchTable<never>, rows: Values[], suffix = ""): Promise<unknown> {
  const columns = Object.keys(rows[0]!);
  const names = columns.map((c) => `"${c}"`).join(", ");
  const arrays = columns.map((c, i) => `$${i + 1}::${typeOf(table, c)}[]`).join(", ");
  return tx.$executeRawUnsafe(
    `insert into "${table.name}" (${names}) select * from unnest(${arrays}) ${suffix}`,
    ...columns.map((column) => rows.map((row) => serialize(row[column]))),
  );
}

async function updateRows(tx: ProjectionTransaction, table: BatchTable<never>, rows: Values[]): Promise<void> {
  const updated = await setFromRows(tx, table, rows);
  if (updated !== rows.length) throw new Error(`${rows.length - updated} of the ${table.name} rows to update are not there`);
}

function raiseRows(tx: ProjectionTransaction, table: BatchTable<never>, by: string, rows: Values[]): Promise<number> {
  return setFromRows(tx, table, rows, `t."${by}" < v."${by}"`);
}

/** Sets each row's other columns on the row its key names (where `condition` holds). */
function setFromRows(tx: ProjectionTransaction, table: BatchTable<never>, rows: Values[], condition?: string): Promise<number> {
  const columns = Object.keys(rows[0]!);
  const arrays = columns.map((c, i) => `$${i + 1}::${typeOf(table, c)}[]`).join(", ");
  const set = columns.filter((c) => !table.key.includes(c as never)).map((c) => `"${c}" = v."${c}"`);
  const matches = [...table.key.map((c) => `t."${c}" = v."${c}"`), ...(condition ? [condition] : [])];
  return tx.$executeRawUnsafe(
    `update "${table.name}" t set ${set.join(", ")} from unnest(${arrays}) as v(${columns.map((c) => `"${c}"`).join(", ")})
     where ${matches.join(" and ")}`,
    ...columns.map((column) => rows.map((row) => serialize(row[column]))),
  );
}

function typeOf(table: BatchTable<never>, column: string): ColumnType {
  const type = (table.columns as Record<string, ColumnType>)[column];
  if (!type) throw new Error(`column ${column} of ${table.name} has no type in its batch table`);
  return type;
}

const serialize = (value: unknown) => (value instanceof Date ? value.toISOString() : typeof value === "bigint" ? value.toString() : value);
