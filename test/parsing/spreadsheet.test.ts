import ExcelJS from "exceljs";
import { describe, expect, it } from "vitest";
import { parseDocument } from "../../src/parsing/document.ts";
import type { TableOutcome } from "../../src/parsing/lineItems.ts";
import { supplierWorkbook } from "../support/poFiles.ts";

const parsed = (outcome: TableOutcome) => {
  if (!outcome.ok) throw new Error(`expected a parse, got ${JSON.stringify(outcome.errors)}`);
  return outcome;
};

describe("xlsx purchase orders", () => {
  it("reads the first sheet with a line-item table below its preamble, numbers as numbers, formulas by their value", async () => {
    const outcome = parsed(await parseDocument(await supplierWorkbook(), "xlsx"));
    expect(
      outcome.lineItems.map(({ lineNumber, sku, title, quantity, unitCost }) => ({ lineNumber, sku, title, quantity, unitCost })),
    ).toEqual([
      { lineNumber: 6, sku: "NS-100", title: "Kaffeebecher, blau", quantity: 4, unitCost: 2.5 },
      { lineNumber: 7, sku: "NS-200", title: "Schneidebrett Eiche", quantity: 2, unitCost: 19.9 },
      { lineNumber: 9, sku: "NS-300", title: "Teekanne", quantity: 3, unitCost: 1234.5 },
    ]);
    expect(outcome.lineItems[0]!.source).toEqual({
      kind: "sheet",
      sheet: "Order",
      row: 6,
      snippet: "NS-100 | Kaffeebecher, blau | 4 | 2.5 | 10",
    });
    expect(outcome.mapping).toMatchObject({
      headerLine: 5,
      headers: ["Artikelnummer", "Bezeichnung", "", "Menge", "Einzelpreis (EUR)", "Gesamt"],
    });
    expect(outcome.mapping.columns.unitCost).toMatchObject({ column: 5, method: "header", confidence: 1 });
    expect(outcome.report).toEqual({
      parser: "xlsx",
      linesFound: 3,
      linesLeftOut: 2,
      leftOut: [
        { line: 10, reason: "totals row (Summe)" },
        { line: 11, reason: "totals row (MwSt 19%)" },
      ],
    });
  });

  it("refuses a file that is not a workbook, saying so", async () => {
    const outcome = await parseDocument(new TextEncoder().encode("not a zip"), "xlsx");
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.errors[0]!.message).toContain("not a readable .xlsx workbook");
  });

  it("says which sheet it tried when no sheet has a line-item table", async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet("Prices").addRows([["Description"], ["Mug"]]);
    const outcome = await parseDocument(new Uint8Array(await workbook.xlsx.writeBuffer()), "xlsx");
    expect(!outcome.ok && outcome.errors[0]!.message).toMatch(/^Sheet "Prices": No quantity column found/);
  });
});
