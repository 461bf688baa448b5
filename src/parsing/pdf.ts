import { getDocumentProxy } from "unpdf";
import type { MappingRequest } from "./columnMapping.ts";
import { matchHeader, isTotalsLabel } from "./headers.ts";
import { readLineItems, type TableOutcome } from "./lineItems.ts";
import type { TableRow } from "./table.ts";

/** A run of text on one line of a page, in points from the page's left and top. */
type Chunk = { text: string; x0: number; x1: number };
type TextLine = { page: number; top: number; bottom: number; chunks: Chunk[]; ordinal: number };

const FOOTER =
  /^(continued( on next page| overleaf)?|suite (au verso|page suivante)|fortsetzung.*|page \d+( of \d+)?|seite \d+( von \d+)?|pagina \d+( de \d+)?|\d+\s*(\/|of)\s*\d+)\.*$/i;

/** A PDF's text layer as lines of chunks, page by page; undefined when it has no text (a scan). */
async function textLines(bytes: Uint8Array): Promise<TextLine[] | string> {
  let pdf;
  try {
    pdf = await getDocumentProxy(new Uint8Array(bytes));
  } catch (error) {
    return `The file is not a readable PDF: ${(error as Error).message}`;
  }
  const lines: TextLine[] = [];
  for (let number = 1; number <= pdf.numPages; number++) {
    const page = await pdf.getPage(number);
    const height = page.getViewport({ scale: 1 }).height;
    const content = await page.getTextContent();
    const items = content.items
      .flatMap((item) => ("str" in item && item.str.trim() !== "" ? [item] : []))
      .map((item) => {
        const size = Math.hypot(item.transform[2]!, item.transform[3]!) || item.height || 10;
        const top = height - item.transform[5]! - size;
        return { text: item.str, x0: item.transform[4]!, x1: item.transform[4]! + item.width, top, size };
      })
      .sort((a, b) => a.top - b.top || a.x0 - b.x0);
    for (const item of items) {
      const line = lines.at(-1);
      if (line && line.page === number && Math.abs(line.top - item.top) <= item.size * 0.4) {
        line.bottom = Math.max(line.bottom, item.top + item.size);
        addToLine(line, item);
      } else {
        lines.push({ page: number, top: item.top, bottom: item.top + item.size, chunks: [], ordinal: lines.length + 1 });
        addToLine(lines.at(-1)!, item);
      }
    }
  }
  await pdf.destroy();
  return lines;
}

/** Text closer than about a space's width to the chunk before it belongs to the same chunk. */
function addToLine(line: TextLine, item: { text: string; x0: number; x1: number; size: number }) {
  line.chunks.sort((a, b) => a.x0 - b.x0);
  const previous = line.chunks.findLast((c) => c.x0 <= item.x0);
  if (previous && item.x0 - previous.x1 < item.size * 0.6) {
    previous.text += (item.x0 - previous.x1 > item.size * 0.15 ? " " : "") + item.text;
    previous.x1 = Math.max(previous.x1, item.x1);
  } else line.chunks.push({ text: item.text, x0: item.x0, x1: item.x1 });
  line.chunks.sort((a, b) => a.x0 - b.x0);
}

const textOf = (line: TextLine) => line.chunks.map((c) => c.text.trim()).join(" ");
const headerScore = (line: TextLine) => new Set(line.chunks.map((c) => matchHeader(c.text)?.field).filter(Boolean)).size;

/**
 * A PDF with a text layer: the header line's chunks give the columns, and every later chunk goes to
 * the column it overlaps most (or lies nearest). A line with text only where the title is, just below
 * an item, is that item's description wrapping; page footers, a header repeated on a later page and
 * whatever follows the totals are left out. Tables that go on over pages keep their columns.
 */
export async function parsePdf(bytes: Uint8Array, request: MappingRequest): Promise<TableOutcome> {
  const lines = await textLines(bytes);
  if (typeof lines === "string") return { ok: false, errors: [{ line: 1, message: lines }] };
  if (lines.length === 0) {
    return { ok: false, errors: [{ line: 1, message: "The PDF has no text layer (a scan or an image)" }], needsModel: true };
  }
  const headerIndex = lines.findIndex((line) => headerScore(line) >= 2);
  if (headerIndex === -1) {
    // No header a synonym knows: each line's chunks in order, for the content-based mapping.
    const rows = lines.map((line) =>
      rowOf(
        line,
        line.chunks.map((c) => c.text.trim()),
      ),
    );
    return readLineItems({ parser: "pdf", rows, decimalComma: usesDecimalComma(lines) }, request);
  }
  const header = lines[headerIndex]!;
  const columns = header.chunks;
  const rows: TableRow[] = [
    rowOf(
      header,
      columns.map((c) => c.text.trim()),
    ),
  ];
  const leftOut: { line: number; reason: string }[] = [];
  const titleColumn = () => {
    const index = columns.findIndex((c) => matchHeader(c.text)?.field === "title");
    return index === -1 ? undefined : index;
  };
  let last: { row: TableRow; line: TextLine } | undefined;
  let afterTotals = false;
  for (const line of lines.slice(headerIndex + 1)) {
    const text = textOf(line);
    if (FOOTER.test(text)) {
      leftOut.push({ line: line.ordinal, reason: "page header or footer" });
      continue;
    }
    if (line.page !== header.page && headerScore(line) >= 2) {
      leftOut.push({ line: line.ordinal, reason: "header repeated on a later page" });
      continue;
    }
    if (afterTotals) {
      leftOut.push({ line: line.ordinal, reason: "below the totals" });
      continue;
    }
    const { cells, between } = cellsOf(line, columns);
    const filled = cells.map((c, i) => [c, i] as const).filter(([c]) => c !== "");
    const wraps =
      last !== undefined &&
      last.line.page === line.page &&
      line.top - last.line.bottom < (last.line.bottom - last.line.top) * 1.2 &&
      filled.length === 1 &&
      filled[0]![1] === titleColumn();
    if (wraps) {
      const index = titleColumn()!;
      last!.row.cells[index] = `${last!.row.cells[index]} ${filled[0]![0]}`.trim();
      last!.row.source = {
        ...last!.row.source,
        yTo: round(line.bottom),
        snippet: `${last!.row.source.snippet} ${text}`.slice(0, 300),
      } as TableRow["source"];
      last!.line = line;
      continue;
    }
    const row = rowOf(line, cells, between);
    if (isTotalsLabel(filled[0]?.[0] ?? "")) afterTotals = true;
    rows.push(row);
    last = { row, line };
  }
  const outcome = readLineItems({ parser: "pdf", rows, decimalComma: usesDecimalComma(lines) }, request);
  if (!outcome.ok) return outcome;
  const report = { ...outcome.report, linesLeftOut: outcome.report.linesLeftOut + leftOut.length };
  report.leftOut = [...outcome.report.leftOut, ...leftOut].sort((a, b) => a.line - b.line).slice(0, 100);
  return { ...outcome, report };
}

/** Each chunk in the column it overlaps most, else the nearest; a chunk overlapping none is noted. */
function cellsOf(line: TextLine, columns: Chunk[]) {
  const cells = columns.map(() => "");
  let between = false;
  for (const chunk of line.chunks) {
    const overlaps = columns.map((c) => Math.min(c.x1, chunk.x1) - Math.max(c.x0, chunk.x0));
    let best = overlaps.indexOf(Math.max(...overlaps));
    if (overlaps[best]! <= 0) {
      const distance = columns.map((c) => Math.min(Math.abs(c.x0 - chunk.x1), Math.abs(c.x1 - chunk.x0)));
      best = distance.indexOf(Math.min(...distance));
      // Left-aligned text under a wider header, or right-aligned numbers: near the header is normal.
      between = between || distance[best]! > 40;
    }
    cells[best] = `${cells[best]} ${chunk.text.trim()}`.trim();
  }
  return { cells, between };
}

const round = (n: number) => Math.round(n * 10) / 10;

function rowOf(line: TextLine, cells: string[], between = false): TableRow {
  return {
    cells,
    lineNumber: line.ordinal,
    source: { kind: "page", page: line.page, yFrom: round(line.top), yTo: round(line.bottom), snippet: textOf(line).slice(0, 300) },
    ...(between && { concerns: ["a value on this line stood between columns"] }),
  };
}

function usesDecimalComma(lines: TextLine[]) {
  const texts = lines.flatMap((l) => l.chunks.map((c) => c.text));
  const comma = texts.filter((t) => /\d,\d{2}(\s*€)?$/.test(t.trim())).length;
  const dot = texts.filter((t) => /\d\.\d{2}(\s*€)?$/.test(t.trim())).length;
  return comma > dot;
}
