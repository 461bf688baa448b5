/**
 * The deterministic parsers on large files: a 100,000-line CSV, a 5,000-row XLSX and a 50-page PDF,
 * each parsed in a process of its own so its peak RSS is its own. The files are made first, by this
 * process; one JSON line with lines/s and peak RSS for each format.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "../src/parsing/document.ts";
import type { FileKind } from "../src/parsing/purchaseOrderParser.ts";
import { largeWorkbook, supplierPdf } from "../test/support/poFiles.ts";

const CSV_LINES = 100_000;
const XLSX_ROWS = 5_000;
const PDF_PAGES = 50;
const PDF_LINES_PER_PAGE = 40;

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function parseOne(kind: FileKind, path: string) {
  const bytes = new Uint8Array(await readFile(path));
  const baselineRss = process.memoryUsage().rss;
  const started = performance.now();
  const outcome = await parseDocument(bytes, kind);
  const ms = performance.now() - started;
  if (!outcome.ok) throw new Error(`${kind}: ${JSON.stringify(outcome.errors.slice(0, 3))}`);
  const lines = outcome.lineItems.length;
  // maxRSS is in kilobytes: the process's high-water mark, the file and its parse included.
  const peakRss = process.resourceUsage().maxRSS * 1024;
  return {
    format: kind,
    lines,
    file_mb: mb(bytes.byteLength),
    ms: Math.round(ms),
    lines_per_s: Math.round(lines / (ms / 1000)),
    baseline_rss_mb: mb(baselineRss),
    peak_rss_mb: mb(peakRss),
  };
}

const [, , childKind, childPath] = process.argv;
if (childKind) {
  console.log(JSON.stringify(await parseOne(childKind as FileKind, childPath!)));
} else {
  const folder = await mkdtemp(join(tmpdir(), "bench-parse-"));
  const csv = [
    "SKU,Description,Qty,Unit Cost",
    ...Array.from({ length: CSV_LINES }, (_, i) => `B-${i},"Bench item ${i}, blue",${(i % 9) + 1},$${i % 100}.50`),
  ].join("\n");
  const pdfLines = Array.from({ length: PDF_PAGES * PDF_LINES_PER_PAGE }, (_, i) => ({
    sku: `P-${i}`,
    title: [`Bench product ${i}`],
    qty: String((i % 9) + 1),
    price: "4.25",
    amount: "",
  }));
  const files: [FileKind, string, Uint8Array | string][] = [
    ["csv", "large.csv", csv],
    ["xlsx", "large.xlsx", await largeWorkbook(XLSX_ROWS)],
    ["pdf", "large.pdf", await supplierPdf(pdfLines, { linesPerPage: PDF_LINES_PER_PAGE })],
  ];
  const results = [];
  for (const [kind, name, content] of files) {
    const path = join(folder, name);
    await writeFile(path, content);
    const output = execFileSync(process.execPath, [...process.execArgv, process.argv[1]!, kind, path], { encoding: "utf8" });
    results.push(JSON.parse(output.trim().split("\n").at(-1)!));
  }
  await rm(folder, { recursive: true });
  console.log(JSON.stringify({ bench: "parse", results }));
}
