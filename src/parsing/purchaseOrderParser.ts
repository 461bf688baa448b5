import { parse } from "csv-parse/sync";
import type { LineItem, ParseProblem } from "../domain/purchaseOrder.ts";
import { EXPECTED_COLUMNS, headerColumns, isTotalsLabel, type ColumnMap } from "./headers.ts";
import { parseAmount } from "./numbers.ts";

export type Delimiter = "," | "\t" | ";";
export type ParseOutcome = { ok: true; delimiter: Delimiter; lineItems: LineItem[] } | { ok: false; errors: ParseProblem[] };
export type FileKind = "csv" | "tsv" | "ssv";

const MAX_PROBLEMS = 100;
const DELIMITERS: Delimiter[] = [",", "\t", ";"];

export function detectFileKind(fileName: string, contentType: string | undefined): FileKind | null {
  const extension = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  const byExtension: Record<string, FileKind> = { csv: "csv", tsv: "tsv", tab: "tsv", txt: "csv" };
  const textual = [
    "text/csv",
    "application/csv",
    "text/tab-separated-values",
    "text/plain",
    "application/vnd.ms-excel",
    "application/octet-stream",
    "",
  ];
  if (!textual.includes(type)) return null;
  if (extension !== undefined) return byExtension[extension] ?? null;
  return type === "text/tab-separated-values" ? "tsv" : type === "application/octet-stream" || type === "" ? null : "csv";
}

/** UTF-16 by its byte-order mark (Excel's "Unicode text"), else UTF-8, else Windows-1252. */
function decode(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder("windows-1252").decode(bytes);
  }
  return text.replace(/^\uFEFF/, "");
}

/** The delimiter that splits the first lines into the same number (>1) of cells most often. */
function detectDelimiter(text: string): Delimiter {
  const lines = text
    .split(/\r\n|\r|\n/)
    .filter((l) => l.trim() !== "")
    .slice(0, 20);
  const score = (d: Delimiter) => {
    const counts = lines.map((line) => line.replace(/"[^"]*"/g, "").split(d).length - 1).filter((c) => c > 0);
    if (counts.length === 0) return 0;
    const mode = Math.max(...counts.map((c) => counts.filter((x) => x === c).length));
    return mode * 1000 + counts.length;
  };
  return DELIMITERS.reduce((best, d) => (score(d) > score(best) ? d : best), ",");
}

/**
 * No text format has NUL in it, and no PostgreSQL text column takes it: a file with one is binary, or
 * text in an encoding we could not tell, and a cell carrying it would be refused by the log.
 */
function nulCharacter(text: string): ParseProblem | undefined {
  const at = text.indexOf("\0");
  if (at === -1) return undefined;
  const lines = text.slice(0, at).split(/\r\n|\r|\n/);
  return {
    line: lines.length,
    message:
      `Line ${lines.length} has a NUL character (character ${lines.at(-1)!.length + 1}): the file is not text, ` +
      "or not in UTF-8, UTF-16 (with a byte-order mark) or Windows-1252",
  };
}

type Row = { cells: string[]; line: number };

function readRows(text: string, delimiter: Delimiter): Row[] | ParseProblem {
  try {
    const records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, info: true, trim: true }) as unknown as {
      record: string[];
      info: { lines: number; raw?: string };
    }[];
    // csv-parse reports the line a record ends on; count back the newlines inside quoted cells.
    return records.map(({ record, info }) => ({
      cells: record,
      line: info.lines - record.reduce((n, cell) => n + (cell.match(/\r\n|\r|\n/g)?.length ?? 0), 0),
    }));
  } catch (error) {
    const e = error as { message: string; lines?: number };
    return { line: Math.max(1, e.lines ?? 1), message: `The file is not valid ${delimiter === "\t" ? "TSV" : "CSV"}: ${e.message}` };
  }
}

/** Deterministic: the same bytes always give the same outcome. Any problem fails the whole file. */
export function parsePurchaseOrder(bytes: Uint8Array): ParseOutcome {
  const text = decode(bytes);
  if (text.trim() === "") return { ok: false, errors: [{ line: 1, message: "The file is empty" }] };
  const nul = nulCharacter(text);
  if (nul) return { ok: false, errors: [nul] };
  const delimiter = detectDelimiter(text);
  const rows = readRows(text, delimiter);
  if (!Array.isArray(rows)) return { ok: false, errors: [rows] };
  const headerIndex = rows.findIndex((row) => headerColumns(row.cells) !== undefined);
  if (headerIndex === -1) return { ok: false, errors: [{ line: 1, message: `No header row found: expected ${EXPECTED_COLUMNS}` }] };
  const columns = headerColumns(rows[headerIndex]!.cells)!;
  const lineItems: LineItem[] = [];
  const errors: ParseProblem[] = [];
  for (const row of rows.slice(headerIndex + 1)) {
    if (row.cells.every((c) => c === "")) continue;
    const item = readLineItem(row, columns, delimiter === ";", errors);
    if (item) lineItems.push(item);
    if (errors.length >= MAX_PROBLEMS) break;
  }
  if (errors.length > 0) return { ok: false, errors: errors.slice(0, MAX_PROBLEMS) };
  if (lineItems.length === 0)
    return { ok: false, errors: [{ line: rows[headerIndex]!.line, message: "The header is there but no line items follow it" }] };
  return { ok: true, delimiter, lineItems };
}

function readLineItem(row: Row, columns: ColumnMap, decimalComma: boolean, errors: ParseProblem[]): LineItem | undefined {
  const cell = (index: number | undefined) => (index === undefined ? "" : (row.cells[index] ?? "").trim());
  const quantityText = cell(columns.quantity);
  const quantity = parseAmount(quantityText, decimalComma);
  const label = row.cells.find((c) => c.trim() !== "") ?? "";
  if ((isTotalsLabel(label) || isTotalsLabel(cell(columns.title)) || isTotalsLabel(cell(columns.sku))) && quantity === undefined)
    return undefined;

  const problem = (field: string, column: number | undefined, message: string) =>
    errors.push({ line: row.line, ...(column !== undefined && { column: column + 1 }), field, message });
  const sku = cell(columns.sku) || null;
  const title = cell(columns.title) || sku;
  const before = errors.length;
  if (!title) problem("title", columns.title ?? columns.sku, "The line has neither a title nor a SKU");
  if (quantityText === "") problem("quantity", columns.quantity, "Quantity is missing");
  else if (quantity === undefined) problem("quantity", columns.quantity, `Quantity "${quantityText}" is not a number`);
  else if (quantity <= 0) problem("quantity", columns.quantity, `Quantity ${quantityText} must be more than zero`);
  const costText = cell(columns.unitCost);
  const unitCost = costText === "" ? null : parseAmount(costText, decimalComma);
  if (unitCost === undefined) problem("unitCost", columns.unitCost, `Unit cost "${costText}" is not a number`);
  else if (unitCost !== null && unitCost < 0) problem("unitCost", columns.unitCost, `Unit cost ${costText} cannot be negative`);
  if (errors.length > before) return undefined;
  return { lineNumber: row.line, sku, title: title!, quantity: quantity!, unitCost: unitCost! };
}
