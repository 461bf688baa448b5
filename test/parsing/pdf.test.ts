import { describe, expect, it } from "vitest";
import { parseDocument } from "../../src/parsing/document.ts";
import type { TableOutcome } from "../../src/parsing/lineItems.ts";
import { scannedPdf, supplierPdf, type PdfLine } from "../support/poFiles.ts";

const parsed = (outcome: TableOutcome) => {
  if (!outcome.ok) throw new Error(`expected a parse, got ${JSON.stringify(outcome.errors)}`);
  return outcome;
};
const values = (outcome: TableOutcome) => parsed(outcome).lineItems.map((i) => [i.sku, i.title, i.quantity, i.unitCost]);

const tent: PdfLine = {
  sku: "TS-TENT-2",
  title: ["Trailhead tent, 2 person,", "green, with footprint"],
  qty: "3",
  price: "$249.00",
  amount: "$747.00",
};
const stove: PdfLine = { sku: "TS-STOVE", title: ["Pocket camp stove"], qty: "10", price: "$1,234.50", amount: "$12,345.00" };
const numbered = (n: number): PdfLine => ({ sku: `TS-${n}`, title: [`Carabiner ${n}`], qty: String(n), price: "4.25", amount: "" });

describe("pdf purchase orders", () => {
  it("rebuilds the columns from x positions, joins a wrapped description, and leaves out the address, totals, freight and notes", async () => {
    const outcome = parsed(await parseDocument(await supplierPdf([tent, stove]), "pdf"));
    expect(values(outcome)).toEqual([
      ["TS-TENT-2", "Trailhead tent, 2 person, green, with footprint", 3, 249],
      ["TS-STOVE", "Pocket camp stove", 10, 1234.5],
    ]);
    expect(outcome.mapping.headers).toEqual(["Item #", "Description", "Qty", "Unit Price", "Amount"]);
    expect(Object.values(outcome.mapping.columns).map((c) => c.method)).toEqual(["header", "header", "header", "header"]);
    const [first] = outcome.lineItems;
    expect(first!.source).toMatchObject({ kind: "page", page: 1, snippet: expect.stringContaining("green, with footprint") });
    const source = first!.source as { yFrom: number; yTo: number };
    expect(source.yTo - source.yFrom).toBeGreaterThan(15);
    expect(first!.confidence).toBe(1);
    expect(outcome.report.parser).toBe("pdf");
    expect(outcome.report.leftOut.map((l) => l.reason)).toEqual([
      "totals row (Subtotal)",
      "below the totals",
      "below the totals",
      "below the totals",
      "page header or footer",
    ]);
  });

  it.each([true, false])("reads a table over several pages (header repeated: %s) without the footers", async (repeatHeader) => {
    const lines = Array.from({ length: 25 }, (_, i) => numbered(i + 1));
    const outcome = parsed(await parseDocument(await supplierPdf(lines, { repeatHeader, linesPerPage: 10 }), "pdf"));
    expect(values(outcome)).toEqual(lines.map((l, i) => [l.sku, l.title[0], i + 1, 4.25]));
    expect(outcome.lineItems.map((l) => (l.source as { page: number }).page)).toEqual(lines.map((_, i) => Math.floor(i / 10) + 1));
    const reasons = outcome.report.leftOut.map((l) => l.reason);
    expect(reasons.filter((r) => r === "page header or footer")).toHaveLength(5); // two "Continued", three page numbers
    expect(reasons.filter((r) => r === "header repeated on a later page")).toHaveLength(repeatHeader ? 2 : 0);
    // The company line atop a later page is no line item; it has no quantity and nothing to join.
    expect(reasons.filter((r) => r === "note, not a line item")).toHaveLength(2);
  });

  it("reads the supplier's own language and decimal commas", async () => {
    const line: PdfLine = { sku: "A-1", title: ["Kaffeebecher"], qty: "4", price: "2,50 €", amount: "10,00 €" };
    const pdf = await supplierPdf([line], { header: ["Artikel-Nr.", "Bezeichnung", "Menge", "Einzelpreis", "Gesamt"] });
    expect(values(await parseDocument(pdf, "pdf"))).toEqual([["A-1", "Kaffeebecher", 4, 2.5]]);
  });

  it("refuses a PDF without a text layer, saying it needs the AI parser", async () => {
    const outcome = await parseDocument(await scannedPdf(), "pdf");
    expect(!outcome.ok && outcome.errors[0]!.message).toContain("no text layer");
    const broken = await parseDocument(new TextEncoder().encode("%PDF-1.4 nonsense"), "pdf");
    expect(!broken.ok && broken.errors[0]!.message).toContain("not a readable PDF");
  });
});
