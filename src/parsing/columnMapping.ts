import {
  Field,
  headerSignature,
  type ColumnChoice,
  type ColumnMapping,
  type MappedColumn,
  type ParseWarning,
} from "../domain/columnMapping.ts";
import type { ParseProblem } from "../domain/purchaseOrder.ts";
import { guessColumns } from "./contentColumns.ts";
import { isTotalsLabel, matchHeader } from "./headers.ts";
import { cellNumber, cellText, isEmptyRow, type Table, type TableRow } from "./table.ts";

export type MappingRequest = {
  /** The merchant's columns for this file. */
  columns?: ColumnChoice;
  /** Columns the merchant chose for earlier files, by header signature. */
  remembered?: Record<string, ColumnChoice>;
};

export type LocatedColumns = { mapping: ColumnMapping; dataStart: number; warnings: ParseWarning[] };

export const EXPECTED_COLUMNS =
  "a quantity column (Qty, Quantity, Menge, Quantité, Cantidad…) and a title or SKU column (Description, Bezeichnung, Désignation, SKU, Artikelnummer…)";

export const FIELD_LABELS: Record<Field, string> = {
  sku: "SKU",
  title: "title",
  quantity: "quantity",
  unitCost: "unit cost",
  barcode: "barcode",
};
const HEADER_SEARCH_ROWS = 50;

/** Finds the header row (if any) and which column holds each field, saying how sure it is of each. */
export function locateColumns(table: Table, request: MappingRequest): LocatedColumns | ParseProblem {
  const rows = table.rows;
  const header = findHeader(rows, request);
  const headers = header === undefined ? [] : rows[header.index]!.cells.map(cellText);
  const dataStart = header === undefined ? 0 : header.index + 1;
  const columns: Partial<Record<Field, MappedColumn>> = {};
  const choice = request.columns ?? header?.remembered;
  if (choice) {
    const method = request.columns ? "merchant" : "remembered";
    for (const field of Field.options) {
      const column = choice[field];
      if (column != null) columns[field] = { column, header: headers[column - 1] || null, method, confidence: 1 };
    }
  } else {
    headers.forEach((text, index) => {
      const match = matchHeader(text);
      const current = match && columns[match.field];
      if (match && (!current || current.confidence < match.confidence)) {
        columns[match.field] = { column: index + 1, header: text, method: "header", confidence: match.confidence };
      }
    });
    const data = rows.slice(dataStart).filter((row) => !isEmptyRow(row) && !isTotalsLabel(cellText(row.cells.find((c) => cellText(c)))));
    const width = Math.max(0, headers.length, ...data.slice(0, 200).map((r) => r.cells.length));
    const taken = new Set(Object.values(columns).map((c) => c.column - 1));
    const missing = Field.options.filter((f) => !columns[f]);
    const guesses = guessColumns(data, width, missing, taken, table.decimalComma);
    for (const [field, guess] of Object.entries(guesses) as [Field, NonNullable<(typeof guesses)[Field]>][]) {
      columns[field] = { column: guess.column + 1, header: headers[guess.column] || null, method: "content", confidence: guess.confidence };
    }
  }

  const line = header === undefined ? (rows[0]?.lineNumber ?? 1) : rows[header.index]!.lineNumber;
  if (!columns.quantity) return { line, message: `No quantity column found: expected ${EXPECTED_COLUMNS}` };
  if (!columns.title && !columns.sku) return { line, message: `No title or SKU column found: expected ${EXPECTED_COLUMNS}` };
  const mapped = Object.values(columns);
  const mapping: ColumnMapping = {
    headerLine: header === undefined ? null : line,
    headers,
    columns,
    confidence: Math.min(...mapped.map((c) => c.confidence)),
  };
  return { mapping, dataStart, warnings: mappingWarnings(mapping, choice !== undefined) };
}

function mappingWarnings({ columns }: ColumnMapping, chosen: boolean): ParseWarning[] {
  const warnings: ParseWarning[] = [];
  const fix = chosen ? "" : " Correct the mapping if the file has one.";
  if (!columns.title) {
    warnings.push({ code: "missing_field", field: "title", message: `No title column: each draft's title is its SKU.${fix}` });
  }
  if (!columns.sku) warnings.push({ code: "missing_field", field: "sku", message: `No SKU column: the drafts have no SKU.${fix}` });
  if (!columns.unitCost) {
    warnings.push({ code: "missing_field", field: "unitCost", message: `No unit cost column: the drafts have no cost.${fix}` });
  }
  for (const field of Field.options) {
    const column = columns[field];
    if (column?.method !== "content") continue;
    const named = column.header ? ` ("${column.header}")` : "";
    const how = column.confidence < 0.7 ? "ambiguous_column" : "guessed_column";
    const doubt = how === "ambiguous_column" ? ", though another column would fit as well" : "";
    warnings.push({
      code: how,
      field,
      message: `Column ${column.column}${named} was taken as the ${FIELD_LABELS[field]} from its content, not its header${doubt}: check the mapping.`,
    });
  }
  return warnings;
}

type Header = { index: number; remembered?: ColumnChoice };

/**
 * A row the merchant's remembered mapping names; else the row naming the most fields (two at least);
 * else a row of text just above the first row of data, whose headers no synonym knows.
 */
function findHeader(rows: TableRow[], request: MappingRequest): Header | undefined {
  const candidates = rows.slice(0, HEADER_SEARCH_ROWS);
  if (request.remembered) {
    const index = candidates.findIndex((row) => request.remembered![headerSignature(row.cells.map(cellText))] !== undefined);
    if (index !== -1) return { index, remembered: request.remembered[headerSignature(rows[index]!.cells.map(cellText))] };
  }
  let best: { index: number; score: number } | undefined;
  candidates.forEach((row, index) => {
    const score = new Set(row.cells.map((c) => matchHeader(cellText(c))?.field).filter(Boolean)).size;
    if (score >= 2 && score > (best?.score ?? 0)) best = { index, score };
  });
  if (best) return { index: best.index };
  const firstData = candidates.findIndex(
    (row) => row.cells.filter((c) => cellText(c) !== "").length >= 2 && row.cells.some((c) => cellNumber(c, false) !== undefined),
  );
  const above = candidates[firstData - 1];
  const filled = above?.cells.filter((c) => cellText(c) !== "") ?? [];
  return filled.length >= 2 && filled.every((c) => typeof c === "string" && cellNumber(c, false) === undefined)
    ? { index: firstData - 1 }
    : undefined;
}
