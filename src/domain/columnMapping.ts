import { z } from "zod";

/** What a line item is read from: the columns a parser looks for in every format. */
export const Field = z.enum(["sku", "title", "quantity", "unitCost", "barcode"]);
export type Field = z.infer<typeof Field>;

/** How a column was found: its header, its content, the merchant's correction, or a correction remembered from an earlier file. */
export const MappingMethod = z.enum(["header", "content", "merchant", "remembered"]);

export const MappedColumn = z.object({
  /** 1-based, as the merchant counts columns in a spreadsheet. */
  column: z.number().int().positive(),
  header: z.string().nullable(),
  method: MappingMethod,
  confidence: z.number().min(0).max(1),
});
export type MappedColumn = z.infer<typeof MappedColumn>;

export const ColumnMapping = z.object({
  /** The line (or sheet row) of the header, null when the table has none. */
  headerLine: z.number().int().positive().nullable(),
  headers: z.array(z.string()),
  columns: z.partialRecord(Field, MappedColumn),
  /** The weakest column the line items depend on. */
  confidence: z.number().min(0).max(1),
});
export type ColumnMapping = z.infer<typeof ColumnMapping>;

/** A merchant's choice of columns (1-based); null says the file has no such column. */
export const ColumnChoice = z
  .object({
    sku: z.number().int().positive().nullable(),
    title: z.number().int().positive().nullable(),
    quantity: z.number().int().positive(),
    unitCost: z.number().int().positive().nullable(),
    barcode: z.number().int().positive().nullable(),
  })
  .partial({ sku: true, title: true, unitCost: true, barcode: true })
  .refine((c) => c.title != null || c.sku != null, "a title or a SKU column is required")
  .refine((c) => {
    const chosen = [c.sku, c.title, c.quantity, c.unitCost, c.barcode].filter((n) => n != null);
    return new Set(chosen).size === chosen.length;
  }, "each column can hold one field only");
export type ColumnChoice = z.infer<typeof ColumnChoice>;

export const ParseWarning = z.object({
  code: z.enum(["missing_field", "guessed_column", "ambiguous_column", "low_confidence_lines"]),
  field: Field.optional(),
  message: z.string(),
});
export type ParseWarning = z.infer<typeof ParseWarning>;

/** Where in the original file a line item was read, so a reviewer can check it against the source. */
export const LineSource = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("line"), line: z.number().int().positive(), snippet: z.string() }),
  z.object({ kind: z.literal("sheet"), sheet: z.string(), row: z.number().int().positive(), snippet: z.string() }),
  z.object({
    kind: z.literal("page"),
    page: z.number().int().positive(),
    /** Points from the top of the page: the line item's first and last text line. */
    yFrom: z.number().nonnegative(),
    yTo: z.number().nonnegative(),
    snippet: z.string(),
  }),
  /** Read by an AI model from a scan or free text: what the model quoted as its source. */
  z.object({ kind: z.literal("model"), model: z.string(), page: z.number().int().positive().optional(), snippet: z.string() }),
]);
export type LineSource = z.infer<typeof LineSource>;

/** Below this a line is flagged for the reviewer. */
export const LOW_CONFIDENCE = 0.75;

/** What a parser did, for the stage log: which parser, how many lines, and which rows it left out and why. */
export const ParseReport = z.object({
  parser: z.enum(["csv", "tsv", "ssv", "xlsx", "pdf", "model"]),
  linesFound: z.number().int().nonnegative(),
  linesLeftOut: z.number().int().nonnegative(),
  /** The first hundred rows left out. */
  leftOut: z.array(z.object({ line: z.number().int().positive(), reason: z.string() })),
});
export type ParseReport = z.infer<typeof ParseReport>;

/** The header row as a key: the same supplier sends the same header row, whatever the file. */
export const headerSignature = (headers: string[]) =>
  headers.map((h) => h.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/\s+/g, " ").trim()).join("|");
