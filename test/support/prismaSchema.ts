/**
 * Just enough of schema.prisma to check a migrated database against it: models, their table
 * names, scalar fields with column name, type and optionality, and relations with onDelete.
 */
export type SchemaField = { name: string; column: string; type: string; optional: boolean; nativeType?: string };
export type SchemaRelation = { fields: string[]; references: string[]; target: string; onDelete?: string };
export type SchemaModel = { name: string; table: string; fields: SchemaField[]; relations: SchemaRelation[] };

export function parsePrismaSchema(source: string): SchemaModel[] {
  const blocks = [...source.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)];
  const modelNames = new Set(blocks.map((b) => b[1]!));
  return blocks.map(([, name, body]) => {
    const fields: SchemaField[] = [];
    const relations: SchemaRelation[] = [];
    let table = name!;
    for (const raw of body!.split("\n")) {
      const line = raw.replace(/\/\/.*$/, "").trim();
      const mapped = /^@@map\("([^"]+)"\)/.exec(line);
      if (mapped) table = mapped[1]!;
      const field = /^(\w+)\s+(\w+)(\[\]|\?)?\s*(.*)$/.exec(line);
      if (!field || line.startsWith("@@")) continue;
      const [, fieldName, type, modifier, attributes] = field;
      if (modelNames.has(type!)) {
        const relation = /@relation\(fields:\s*\[([^\]]*)\],\s*references:\s*\[([^\]]*)\](?:,\s*onDelete:\s*(\w+))?/.exec(attributes!);
        if (relation) {
          const list = (s: string) => s.split(",").map((x) => x.trim());
          relations.push({ fields: list(relation[1]!), references: list(relation[2]!), target: type!, onDelete: relation[3] });
        }
        continue;
      }
      fields.push({
        name: fieldName!,
        column: /@map\("([^"]+)"\)/.exec(attributes!)?.[1] ?? fieldName!,
        type: type!,
        optional: modifier === "?",
        nativeType: /@db\.(\w+)/.exec(attributes!)?.[1],
      });
    }
    return { name: name!, table, fields, relations };
  });
}

/** The Postgres type `information_schema.columns.data_type` shows for a Prisma scalar. */
export function expectedColumnType(field: SchemaField): string {
  if (field.nativeType === "Uuid") return "uuid";
  if (field.nativeType?.startsWith("Timestamptz")) return "timestamp with time zone";
  const byType: Record<string, string> = {
    String: "text",
    Int: "integer",
    BigInt: "bigint",
    Boolean: "boolean",
    DateTime: "timestamp without time zone",
    Json: "jsonb",
    Bytes: "bytea",
    Decimal: "numeric",
    Float: "double precision",
  };
  return byType[field.type] ?? `unknown Prisma type ${field.type}`;
}
