import { amountProblem } from "../domain/amounts.ts";
import { LOW_CONFIDENCE, type ColumnMapping, type Field, type ParseReport, type ParseWarning } from "../domain/columnMapping.ts";
import type { LineItem, ParseProblem } from "../domain/purchaseOrder.ts";
import { FIELD_LABELS, locateColumns, type MappingRequest } from "./columnMapping.ts";
import { isTotalsLabel } from "./headers.ts";
import { cellNumber, cellText, isEmptyRow, type Table, type TableRow } from "./table.ts";

export type ParsedTable = { lineItems: LineItem[]; mapping: ColumnMapping; warnings: ParseWarning[]; report: ParseReport };
/** `needsModel`: no deterministic parser can read it (a scan, an image); an AI model might. */
export type TableOutcome = ({ ok: true } & ParsedTable) | { ok: false; errors: ParseProblem[]; needsModel?: true };

const MAX_PROBLEMS = 100;
/** The stage log lists this many left-out rows; it counts them all. */
const MAX_LEFT_OUT_LISTED = 100;

/** Every row below the header is a line item, a totals row, a note, or a problem; any problem fails the whole file. */
export function readLineItems(table: Table, request: MappingRequest): TableOutcome {
  const located = locateColumns(table, request);
  if ("message" in located) return { ok: false, errors: [located] };
  const { mapping, dataStart, warnings } = located;
  const lineItems: LineItem[] = [];
  const errors: ParseProblem[] = [];
  const leftOut: ParseReport["leftOut"] = [];
  let leftOutCount = 0;
  const leave = (row: TableRow, reason: string) => {
    leftOutCount++;
    if (leftOut.length < MAX_LEFT_OUT_LISTED) leftOut.push({ line: row.lineNumber, reason });
  };
  for (const row of table.rows.slice(dataStart)) {
    if (isEmptyRow(row)) continue;
    const read = readRow(row, mapping, table.decimalComma, errors);
    if (typeof read === "string") leave(row, read);
    else if (read) lineItems.push(read);
    if (errors.length >= MAX_PROBLEMS) break;
  }
  if (errors.length > 0) return { ok: false, errors: errors.slice(0, MAX_PROBLEMS) };
  const headerLine = mapping.headerLine ?? table.rows[0]?.lineNumber ?? 1;
  if (lineItems.length === 0)
    return { ok: false, errors: [{ line: headerLine, message: "The header is there but no line items follow it" }] };
  const flagged = lineItems.filter((item) => (item.confidence ?? 1) < LOW_CONFIDENCE).length;
  if (flagged > 0) {
    warnings.push({
      code: "low_confidence_lines",
      message: `${flagged} of ${lineItems.length} lines were read with low confidence: check them.`,
    });
  }
  const report: ParseReport = { parser: table.parser, linesFound: lineItems.length, linesLeftOut: leftOutCount, leftOut };
  return { ok: true, lineItems, mapping, warnings, report };
}

/** A line item, the reason the row is not one (a string), or undefined with its problems recorded. */
function readRow(row: TableRow, mapping: ColumnMapping, decimalComma: boolean, errors: ParseProblem[]): LineItem | string | undefined {
  const { columns } = mapping;
  const cell = (field: Field) => (columns[field] ? row.cells[columns[field].column - 1] : undefined);
  const text = (field: Field) => cellText(cell(field));
  const quantityText = text("quantity");
  const quantity = cellNumber(cell("quantity"), decimalComma);
  const filled = row.cells.map(cellText).filter(Boolean);
  const label = filled[0] ?? "";
  const totals = isTotalsLabel(label) || isTotalsLabel(text("title")) || isTotalsLabel(text("sku"));
  // A totals row may sum the quantities too; it is still no product unless it has a SKU of its own.
  if (totals && (quantity === undefined || !text("sku") || isTotalsLabel(text("sku")))) return `totals row (${label})`;
  if (quantity === undefined) {
    // A sentence on its own is a note (delivery instructions, "continued overleaf"), not a line missing its quantity.
    if (filled.length === 1 && /\s/.test(filled[0]!)) return "note, not a line item";
  }

  const problem = (field: Field, message: string) =>
    errors.push({ line: row.lineNumber, ...(columns[field] && { column: columns[field].column }), field, message });
  const sku = text("sku") || null;
  const title = text("title") || sku;
  const before = errors.length;
  if (!title) problem(columns.title ? "title" : "sku", "The line has neither a title nor a SKU");
  if (quantityText === "") problem("quantity", "Quantity is missing");
  else if (quantity === undefined) problem("quantity", `Quantity "${quantityText}" is not a number`);
  else {
    const refused = amountProblem("quantity", quantity, quantityText);
    if (refused) problem("quantity", refused);
  }
  const costText = text("unitCost");
  const unitCost = costText === "" ? null : cellNumber(cell("unitCost"), decimalComma);
  if (unitCost === undefined) problem("unitCost", `Unit cost "${costText}" is not a number`);
  else if (unitCost !== null) {
    const refused = amountProblem("unitCost", unitCost, costText);
    if (refused) problem("unitCost", refused);
  }
  if (text("barcode").length > 64) problem("barcode", "Barcode is longer than 64 characters");
  if (errors.length > before) return undefined;

  const used = (["sku", "title", "quantity", "unitCost"] as const).filter((f) => columns[f] && text(f) !== "");
  const concerns = [
    ...used
      .filter((f) => columns[f]!.confidence < 1)
      .map(
        (f) =>
          `${FIELD_LABELS[f]} read from a column recognised by its ${columns[f]!.method === "content" ? "content" : "header, loosely"}`,
      ),
    ...(row.concerns ?? []),
  ];
  const confidence = Math.min(1, ...used.map((f) => columns[f]!.confidence), ...(row.concerns?.length ? [0.6] : []));
  return {
    lineNumber: row.lineNumber,
    sku,
    title: title!,
    quantity: quantity!,
    unitCost: unitCost!,
    ...(columns.barcode && { barcode: text("barcode") || null }),
    source: row.source,
    confidence,
    ...(concerns.length > 0 && { concerns }),
  };
}
