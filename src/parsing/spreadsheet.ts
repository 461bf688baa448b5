import ExcelJS from "exceljs";
import type { ParseProblem } from "../domain/purchaseOrder.ts";
import type { MappingRequest } from "./columnMapping.ts";
import { readLineItems, type TableOutcome } from "./lineItems.ts";
import { snippetOf, type Cell, type TableRow } from "./table.ts";

/**
 * An .xlsx workbook: the first sheet that holds a line-item table, wherever it starts below the
 * preamble; numbers as the workbook stores them (so formats and currencies do not matter), formulas
 * by their cached result, a merged cell's value in its first cell only. Other sheets are ignored.
 */
export async function parseSpreadsheet(bytes: Uint8Array, request: MappingRequest): Promise<TableOutcome> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  } catch (error) {
    return { ok: false, errors: [{ line: 1, message: `The file is not a readable .xlsx workbook: ${(error as Error).message}` }] };
  }
  let firstFailure: ParseProblem[] | undefined;
  for (const sheet of workbook.worksheets) {
    const rows = sheetRows(sheet);
    if (rows.length === 0) continue;
    const outcome = readLineItems({ parser: "xlsx", rows, decimalComma: false }, request);
    if (outcome.ok) return outcome;
    firstFailure ??= outcome.errors.map((e) => ({ ...e, message: `Sheet "${sheet.name}": ${e.message}` }));
  }
  return { ok: false, errors: firstFailure ?? [{ line: 1, message: "The workbook has no rows" }] };
}

function sheetRows(sheet: ExcelJS.Worksheet): TableRow[] {
  const rows: TableRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: Cell[] = [];
    row.eachCell({ includeEmpty: true }, (cell, column) => {
      cells[column - 1] = cell.isMerged && cell.master !== cell ? "" : cellValue(cell.value);
    });
    for (let i = 0; i < cells.length; i++) cells[i] ??= "";
    rows.push({ cells, lineNumber: rowNumber, source: { kind: "sheet", sheet: sheet.name, row: rowNumber, snippet: snippetOf(cells) } });
  });
  return rows;
}

function cellValue(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return value;
  if (typeof value === "string") return value.trim();
  if (typeof value === "boolean") return String(value);
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if ("richText" in value)
    return value.richText
      .map((part) => part.text)
      .join("")
      .trim();
  if ("formula" in value || "sharedFormula" in value) {
    const result = (value as { result?: unknown }).result;
    return result === undefined || (typeof result === "object" && result !== null && !(result instanceof Date))
      ? ""
      : cellValue(result as ExcelJS.CellValue);
  }
  if ("hyperlink" in value) return String(value.text ?? "").trim();
  if ("error" in value) return "";
  return "";
}
