import { parse } from "csv-parse/sync";
import type { ParseProblem } from "../domain/purchaseOrder.ts";
import type { MappingRequest } from "./columnMapping.ts";
import { readLineItems, type ParsedTable } from "./lineItems.ts";
import { snippetOf, type Table, type TableRow } from "./table.ts";

export type Delimiter = "," | "\t" | ";";
export type ParseOutcome = ({ ok: true; delimiter: Delimiter } & ParsedTable) | { ok: false; errors: ParseProblem[] };
export type FileKind = "csv" | "tsv" | "ssv" | "xlsx" | "pdf" | "image";

const DELIMITERS: Delimiter[] = [",", "\t", ";"];

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const GENERIC = ["application/octet-stream", ""];
const TEXTUAL = ["text/csv", "application/csv", "text/tab-separated-values", "text/plain", "application/vnd.ms-excel", ...GENERIC];

const IMAGES: Record<string, string> = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", webp: "image/webp" };

/** The kind of a PO file from its name and content type; null for a kind nothing reads (.xls, a GIF). */
export function detectFileKind(fileName: string, contentType: string | undefined): FileKind | null {
  const extension = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  const type = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (extension === "xlsx" || type === XLSX) return (extension ?? "xlsx") === "xlsx" && [XLSX, ...GENERIC].includes(type) ? "xlsx" : null;
  if (extension === "pdf" || type === "application/pdf")
    return (extension ?? "pdf") === "pdf" && ["application/pdf", ...GENERIC].includes(type) ? "pdf" : null;
  if ((extension && IMAGES[extension]) || type.startsWith("image/")) {
    return Object.values(IMAGES).includes(type) || (GENERIC.includes(type) && extension && IMAGES[extension]) ? "image" : null;
  }
  const byExtension: Record<string, FileKind> = { csv: "csv", tsv: "tsv", tab: "tsv", txt: "csv" };
  if (!TEXTUAL.includes(type)) return null;
  if (extension !== undefined) return byExtension[extension] ?? null;
  return type === "text/tab-separated-values" ? "tsv" : GENERIC.includes(type) ? null : "csv";
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

function readRows(text: string, delimiter: Delimiter): TableRow[] | ParseProblem {
  try {
    const records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true, info: true, trim: true }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
    return records.map(({ record, info }) => {
      // csv-parse reports the line a record ends on; count back the newlines inside quoted cells.
      const line = info.lines - record.reduce((n, cell) => n + (cell.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
      return { cells: record, lineNumber: line, source: { kind: "line", line, snippet: snippetOf(record) } };
    });
  } catch (error) {
    const e = error as { message: string; lines?: number };
    return { line: Math.max(1, e.lines ?? 1), message: `The file is not valid ${delimiter === "\t" ? "TSV" : "CSV"}: ${e.message}` };
  }
}

const PARSER_OF: Record<Delimiter, Table["parser"]> = { ",": "csv", "\t": "tsv", ";": "ssv" };

/** Deterministic: the same bytes (and mapping) always give the same outcome. Any problem fails the whole file. */
export function parsePurchaseOrder(bytes: Uint8Array, request: MappingRequest = {}): ParseOutcome {
  const text = decode(bytes);
  if (text.trim() === "") return { ok: false, errors: [{ line: 1, message: "The file is empty" }] };
  const nul = nulCharacter(text);
  if (nul) return { ok: false, errors: [nul] };
  const delimiter = detectDelimiter(text);
  const rows = readRows(text, delimiter);
  if (!Array.isArray(rows)) return { ok: false, errors: [rows] };
  const outcome = readLineItems({ parser: PARSER_OF[delimiter], rows, decimalComma: delimiter === ";" }, request);
  return outcome.ok ? { ...outcome, delimiter } : outcome;
}
