import type { Datamodel } from "./prismaDatamodel.ts";

/**
 * Compares a data model with a database, both described as one line per table, column, index
 * and foreign key, named as Prisma names them. Returns what is missing from the database and
 * what it has unexpectedly; none of either when the migrations produce the schema.
 */
export function schemaDifferences(datamodel: Datamodel, database: string[]): string[] {
  const expected = describeDatamodel(datamodel);
  const actual = new Set(database);
  return [
    ...expected.filter((line) => !actual.has(line)).map((line) => `missing: ${line}`),
    ...database.filter((line) => !expected.includes(line)).map((line) => `unexpected: ${line}`),
  ];
}

export type CatalogQuery = <T>(sql: string) => Promise<T[]>;

/** Tables of the current schema besides Prisma's own `_prisma_migrations`, in the same terms as the data model. */
export async function describeDatabase(query: CatalogQuery): Promise<string[]> {
  const tablesOfSchema = `SELECT oid FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p') AND relname <> '_prisma_migrations'`;
  const columnsOf = (table: string, keys: string) =>
    `array(SELECT a.attname::text FROM unnest(${keys}) WITH ORDINALITY AS k(attnum, n) JOIN pg_attribute a ON a.attrelid = ${table} AND a.attnum = k.attnum ORDER BY k.n)`;
  const tables = await query<{ table: string }>(`SELECT relname::text AS table FROM pg_class WHERE oid IN (${tablesOfSchema})`);
  const columns = await query<{ table: string; column: string; type: string; not_null: boolean; has_default: boolean }>(
    `SELECT c.relname::text AS table, a.attname::text AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null, a.atthasdef AS has_default
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     WHERE c.oid IN (${tablesOfSchema}) AND a.attnum > 0 AND NOT a.attisdropped`,
  );
  const indexes = await query<{ table: string; name: string; kind: string; columns: string[] }>(
    `SELECT t.relname::text AS table, i.relname::text AS name, CASE WHEN x.indisprimary THEN 'primary key' WHEN x.indisunique THEN 'unique index' ELSE 'index' END AS kind,
       ${columnsOf("t.oid", "x.indkey")} AS columns
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
     WHERE t.oid IN (${tablesOfSchema})`,
  );
  const foreignKeys = await query<ForeignKeyRow>(
    `SELECT t.relname::text AS table, c.conname::text AS name, r.relname::text AS referenced_table,
       c.confdeltype::text AS on_delete, c.confupdtype::text AS on_update,
       ${columnsOf("c.conrelid", "c.conkey")} AS columns, ${columnsOf("c.confrelid", "c.confkey")} AS referenced_columns
     FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_class r ON r.oid = c.confrelid
     WHERE c.contype = 'f' AND t.oid IN (${tablesOfSchema})`,
  );
  return [
    ...tables.map((t) => tableLine(t.table)),
    ...columns.map((c) => columnLine(c.table, c.column, c.type, c.not_null, c.has_default)),
    ...indexes.map((i) => indexLine(i.table, i.kind, i.name, i.columns)),
    ...foreignKeys.map((k) =>
      foreignKeyLine(
        k.table,
        k.name,
        k.columns,
        k.referenced_table,
        k.referenced_columns,
        ACTIONS[k.on_delete] ?? k.on_delete,
        ACTIONS[k.on_update] ?? k.on_update,
      ),
    ),
  ].sort();
}

type ForeignKeyRow = {
  table: string;
  name: string;
  referenced_table: string;
  on_delete: string;
  on_update: string;
  columns: string[];
  referenced_columns: string[];
};

/** pg_constraint's confdeltype / confupdtype codes, named as Prisma's referential actions. */
const ACTIONS: Record<string, string> = { a: "NoAction", r: "Restrict", c: "Cascade", n: "SetNull", d: "SetDefault" };

const tableLine = (table: string) => `table ${table}`;
const columnLine = (table: string, column: string, type: string, notNull: boolean, hasDefault: boolean) =>
  `column ${table}.${column} ${type}${notNull ? " not null" : ""}${hasDefault ? " with default" : ""}`;
const indexLine = (table: string, kind: string, name: string, columns: readonly string[]) =>
  `${kind} ${table}.${name} (${columns.join(", ")})`;
const foreignKeyLine = (
  table: string,
  name: string,
  columns: readonly string[],
  target: string,
  targetColumns: readonly string[],
  onDelete: string,
  onUpdate: string,
) =>
  `foreign key ${table}.${name} (${columns.join(", ")}) references ${target} (${targetColumns.join(", ")}) on delete ${onDelete} on update ${onUpdate}`;

type Model = Datamodel["models"][number];
type Field = Model["fields"][number];

/** The lines describeDatabase reads from a database the migrations built for this data model. */
export function describeDatamodel(datamodel: Datamodel): string[] {
  const models = new Map(datamodel.models.map((m) => [m.name, m]));
  const tableOf = (model: Model) => model.dbName ?? model.name;
  const columnOf = (model: Model, fieldName: string) => {
    const field = model.fields.find((f) => f.name === fieldName);
    return field?.dbName ?? fieldName;
  };
  const lines = datamodel.models.flatMap((model) => {
    const table = tableOf(model);
    const scalars = model.fields.filter((f) => f.kind === "scalar");
    const relations = model.fields.filter((f) => f.kind === "object" && (f.relationFromFields?.length ?? 0) > 0);
    return [
      tableLine(table),
      ...scalars.map((f) => columnLine(table, f.dbName ?? f.name, columnType(f), f.isRequired, hasDatabaseDefault(f))),
      ...relations.map((f) => {
        const target = models.get(f.type)!;
        const columns = f.relationFromFields!.map((name) => columnOf(model, name));
        const onDelete = f.relationOnDelete ?? (f.isRequired ? "Restrict" : "SetNull");
        return foreignKeyLine(
          table,
          `${table}_${columns.join("_")}_fkey`,
          columns,
          tableOf(target),
          f.relationToFields!.map((name) => columnOf(target, name)),
          onDelete,
          f.relationOnUpdate ?? "Cascade",
        );
      }),
    ];
  });
  const indexLines = datamodel.indexes.map((index) => {
    const model = models.get(index.model)!;
    const table = tableOf(model);
    const columns = index.fields.map((f) => columnOf(model, f.name));
    if (index.type === "id") return indexLine(table, "primary key", index.dbName ?? `${table}_pkey`, columns);
    const unique = index.type === "unique";
    return indexLine(
      table,
      unique ? "unique index" : "index",
      index.dbName ?? `${table}_${columns.join("_")}_${unique ? "key" : "idx"}`,
      columns,
    );
  });
  return [...lines, ...indexLines].sort();
}

/** The type Prisma's migrations give a scalar field on PostgreSQL, as format_type() spells it. */
function columnType(field: Field): string {
  if (field.isList) return `${columnType({ ...field, isList: false })}[]`;
  const [nativeType, args = []] = field.nativeType ?? [];
  const precision = args.length > 0 ? `(${args.join(",")})` : "";
  switch (nativeType) {
    case undefined:
      break;
    case "Uuid":
      return "uuid";
    case "Timestamptz":
      return `timestamp${precision} with time zone`;
    case "Timestamp":
      return `timestamp${precision} without time zone`;
    case "Decimal":
      return `numeric${precision}`;
    default:
      return `no expectation written for @db.${nativeType}`;
  }
  const byType: Record<string, string> = {
    String: "text",
    Int: "integer",
    BigInt: "bigint",
    Float: "double precision",
    Decimal: "numeric(65,30)",
    Boolean: "boolean",
    DateTime: "timestamp(3) without time zone",
    Json: "jsonb",
    Bytes: "bytea",
  };
  return byType[field.type] ?? `no expectation written for ${field.type}`;
}

/** Defaults Prisma leaves to the database; uuid(), cuid() and friends it fills in itself. */
function hasDatabaseDefault(field: Field): boolean {
  if (!field.hasDefaultValue) return false;
  const fieldDefault = field.default;
  const fn = typeof fieldDefault === "object" && "name" in fieldDefault ? fieldDefault.name : undefined;
  return fn === undefined || ["autoincrement", "now", "dbgenerated", "sequence"].includes(fn);
}
