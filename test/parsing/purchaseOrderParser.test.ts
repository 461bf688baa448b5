import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { detectFileKind, parsePurchaseOrder, type ParseOutcome } from "../../src/parsing/purchaseOrderParser.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const parsed = (outcome: ParseOutcome) => {
  if (!outcome.ok) throw new Error(`expected a parse, got ${JSON.stringify(outcome.errors)}`);
  return outcome;
};
/** The line items' values, without their provenance (tested on its own below). */
const items = (outcome: ParseOutcome) =>
  parsed(outcome).lineItems.map(({ lineNumber, sku, title, quantity, unitCost }) => ({ lineNumber, sku, title, quantity, unitCost }));
const problems = (outcome: ParseOutcome) => {
  if (outcome.ok) throw new Error(`expected problems, got ${JSON.stringify(outcome.lineItems)}`);
  return outcome.errors;
};

describe("purchase order parser", () => {
  it("reads a plain CSV with header synonyms", () => {
    expect(items(parsePurchaseOrder(bytes("Item #,Product Name,Order Qty,Price Each\nX-1,Lamp,2,9.99\n")))).toEqual([
      { lineNumber: 2, sku: "X-1", title: "Lamp", quantity: 2, unitCost: 9.99 },
    ]);
  });

  it("skips a preamble and totals rows, and keeps quoted commas", () => {
    const csv =
      'Supplier Co\nPO 12\n\nVendor SKU,Description,Qty,Unit Cost\nA,"Chair, oak",4,"$1,234.50"\nSubtotal,,,4938\nTax:,,,400\nGrand Total,,,5338\n';
    expect(items(parsePurchaseOrder(bytes(csv)))).toEqual([
      { lineNumber: 5, sku: "A", title: "Chair, oak", quantity: 4, unitCost: 1234.5 },
    ]);
  });

  it("handles a BOM, CRLF and semicolons with decimal commas", () => {
    const ssv = "\uFEFFReference;Title;Quantity;Unit price\r\nK-1;Knife;3;12,50 €\r\nK-2;Pan;1;1.234,00 €\r\n";
    const outcome = parsePurchaseOrder(bytes(ssv));
    expect(outcome.ok && outcome.delimiter).toBe(";");
    expect(items(outcome).map((i) => [i.lineNumber, i.sku, i.unitCost])).toEqual([
      [2, "K-1", 12.5],
      [3, "K-2", 1234],
    ]);
  });

  it("reads tab-separated files without a cost column", () => {
    const outcome = parsePurchaseOrder(bytes("SKU\tDescription\tQty Ordered\nP-1\tPen, blue\t200\n"));
    expect(outcome.ok && outcome.delimiter).toBe("\t");
    expect(items(outcome)).toEqual([{ lineNumber: 2, sku: "P-1", title: "Pen, blue", quantity: 200, unitCost: null }]);
  });

  it("uses the SKU as the title when there is no title, and reports the line a multi-line cell starts on", () => {
    const csv = 'SKU,Description,Qty\nS-1,,1\nS-2,"two\nlines",2\nS-3,Three,3\n';
    expect(items(parsePurchaseOrder(bytes(csv))).map((i) => [i.lineNumber, i.title])).toEqual([
      [2, "S-1"],
      [3, "two\nlines"],
      [5, "Three"],
    ]);
  });

  it("falls back to windows-1252 for bytes that are not UTF-8", () => {
    const latin1 = Uint8Array.from([...bytes("SKU,Title,Qty\nC-1,Caf"), 0xe9, ...bytes(",1\n")]);
    expect(items(parsePurchaseOrder(latin1))[0]!.title).toBe("Café");
  });

  it("reports every bad cell with line, column and field, and returns no partial result", () => {
    const errors = problems(parsePurchaseOrder(bytes("SKU,Title,Qty,Cost\nA,Apple,abc,1\nB,,,\nC,Cherry,0,-2\nD,Date,1,x\n")));
    expect(errors).toEqual([
      { line: 2, column: 3, field: "quantity", message: 'Quantity "abc" is not a number' },
      { line: 3, column: 3, field: "quantity", message: "Quantity is missing" },
      { line: 4, column: 3, field: "quantity", message: "Quantity 0 must be more than zero" },
      { line: 4, column: 4, field: "unitCost", message: "Unit cost -2 cannot be negative" },
      { line: 5, column: 4, field: "unitCost", message: 'Unit cost "x" is not a number' },
    ]);
  });

  it("reads a barcode column by its header (EAN, GTIN, Strichcode…), never by its content", () => {
    const [first, second] = parsed(
      parsePurchaseOrder(bytes("Artikelnummer,Bezeichnung,Menge,Strichcode\nA-1,Becher,2,4006381333931\nA-2,Teller,1,\n")),
    ).lineItems;
    expect(first).toMatchObject({ sku: "A-1", title: "Becher", barcode: "4006381333931" });
    expect(second).toMatchObject({ sku: "A-2", barcode: null });
    const [unnamed] = parsed(parsePurchaseOrder(bytes("SKU,Title,Qty,Extra\nA-1,Mug,2,4006381333931\n"))).lineItems;
    expect(unnamed).not.toHaveProperty("barcode");
  });

  it("refuses amounts too large for the read models, saying the limit", () => {
    const errors = problems(
      parsePurchaseOrder(bytes("SKU,Title,Qty,Cost\nA,Apple,100000000000,1\nB,Banana,1,10000000\nC,Cherry,9999999999,9999999.99\n")),
    );
    expect(errors).toEqual([
      { line: 2, column: 3, field: "quantity", message: "Quantity 100000000000 must be at most 9,999,999,999.9999" },
      { line: 3, column: 4, field: "unitCost", message: "Unit cost 10000000 must be less than 10,000,000" },
    ]);
  });

  it("says which columns it expected when there is no header", () => {
    const [error] = problems(parsePurchaseOrder(bytes("foo,bar\n1,2\n")));
    expect(error!.line).toBe(1);
    expect(error!.message).toContain("quantity column");
  });

  it("refuses empty files, headers without lines and broken quoting", () => {
    expect(problems(parsePurchaseOrder(bytes("  \n")))[0]!.message).toBe("The file is empty");
    expect(problems(parsePurchaseOrder(bytes("SKU,Title,Qty\nTotal,,\n")))[0]!.message).toContain("no line items");
    const [broken] = problems(parsePurchaseOrder(bytes('SKU,Title,Qty\nA,"unclosed,1\n')));
    expect(broken!.message).toContain("not valid CSV");
  });

  it("refuses a NUL character, saying the line, instead of handing the log a cell it cannot store (found by the properties)", () => {
    const [inSku] = problems(parsePurchaseOrder(bytes("SKU,Title,Qty\n\0AO-TENT-2P,Tent,12\n")));
    expect(inSku).toEqual({ line: 2, message: expect.stringContaining("Line 2 has a NUL character (character 1)") });
    const [inQuantity] = problems(parsePurchaseOrder(bytes("SKU,Title,Qty,Unit cost\n1.234,001,5\0\n")));
    expect(inQuantity!.line).toBe(2);
    expect(JSON.stringify(inQuantity)).not.toContain("\\u0000");
  });

  it("reads UTF-16 text by its byte-order mark, as Excel saves 'Unicode text'", () => {
    const utf16le = (text: string) =>
      Uint8Array.from([0xff, 0xfe, ...[...text].flatMap((c) => [c.charCodeAt(0) & 0xff, c.charCodeAt(0) >> 8])]);
    const outcome = parsePurchaseOrder(utf16le("SKU\tTitle\tQty\r\nC-1\tCafé\t2\r\n"));
    expect(items(outcome)).toEqual([{ lineNumber: 2, sku: "C-1", title: "Café", quantity: 2, unitCost: null }]);
  });

  it("is deterministic", async () => {
    const sample = await readFile(new URL("../../samples/acme-outdoor.csv", import.meta.url));
    expect(parsePurchaseOrder(sample)).toEqual(parsePurchaseOrder(sample));
  });

  it("parses the shipped samples", async () => {
    const sample = async (name: string) => items(parsePurchaseOrder(await readFile(new URL(`../../samples/${name}`, import.meta.url))));
    const acme = await sample("acme-outdoor.csv");
    expect(acme).toHaveLength(8);
    expect(acme[1]).toEqual({ lineNumber: 6, sku: "AO-TENT-4P", title: "Basecamp Tent, 4 person", quantity: 6, unitCost: 1234.5 });
    const nordic = await sample("nordic-kitchen.ssv.csv");
    expect(nordic.map((i) => i.unitCost)).toEqual([45.5, 1234, 32, 24.9, 12.5, 9.9]);
    expect(nordic[2]!.title).toBe("Cutting board; oak, large");
    const bright = await sample("bright-stationery.tsv");
    expect(bright.map((i) => i.sku)).toEqual(["BS-PEN-BLK", "BS-NOTE-A5", "BS-CLIP-50", "BS-TAPE-19", "BS-MARK-4"]);
  });
});

describe("file kinds", () => {
  it("accepts delimited text by extension and content type", () => {
    expect(detectFileKind("po.csv", "text/csv")).toBe("csv");
    expect(detectFileKind("po.csv", "application/vnd.ms-excel")).toBe("csv");
    expect(detectFileKind("po.tsv", "text/tab-separated-values")).toBe("tsv");
    expect(detectFileKind("po.txt", "text/plain")).toBe("csv");
    expect(detectFileKind("po.csv", "application/octet-stream")).toBe("csv");
  });

  it("accepts workbooks and PDFs by extension or content type", () => {
    expect(detectFileKind("po.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")).toBe("xlsx");
    expect(detectFileKind("po.xlsx", "application/octet-stream")).toBe("xlsx");
    expect(detectFileKind("po.pdf", "application/pdf")).toBe("pdf");
    expect(detectFileKind("po", "application/pdf")).toBe("pdf");
  });

  it("refuses old Excel files, images and mismatched names", () => {
    expect(detectFileKind("po.xls", "application/vnd.ms-excel")).toBeNull();
    expect(detectFileKind("po.pdf", "text/csv")).toBeNull();
    expect(detectFileKind("photo.gif", "image/gif")).toBeNull();
    expect(detectFileKind("photo.png", "image/png")).toBe("image");
    expect(detectFileKind("po", "application/octet-stream")).toBeNull();
  });
});
