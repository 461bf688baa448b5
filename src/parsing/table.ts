import type { LineSource, ParseReport } from "../domain/columnMapping.ts";
import { parseAmount } from "./numbers.ts";

/** A spreadsheet gives numbers as numbers; text formats give strings. */
export type Cell = string | number;

/** One row of a table as a format's reader found it, with where it came from. */
export type TableRow = {
  cells: Cell[];
  /** Unique within the file, increasing: a CSV line, a sheet row, a PDF text line's ordinal. */
  lineNumber: number;
  source: LineSource;
  /** What the reader was unsure of on this row (e.g. a PDF cell between two columns). */
  concerns?: string[];
};

export type Table = { parser: ParseReport["parser"]; rows: TableRow[]; decimalComma: boolean };

export const cellText = (cell: Cell | undefined) => (cell === undefined ? "" : typeof cell === "number" ? String(cell) : cell.trim());

export const cellNumber = (cell: Cell | undefined, decimalComma: boolean) =>
  typeof cell === "number" ? cell : parseAmount(cellText(cell), decimalComma);

export const isEmptyRow = (row: TableRow) => row.cells.every((c) => cellText(c) === "");

export const snippetOf = (cells: Cell[]) => cells.map(cellText).filter(Boolean).join(" | ").slice(0, 300);
