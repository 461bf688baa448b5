import { describe, expect, it } from "vitest";
import { headerSignature } from "../../src/domain/columnMapping.ts";
import { parsePurchaseOrder, type ParseOutcome } from "../../src/parsing/purchaseOrderParser.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const parsed = (outcome: ParseOutcome) => {
  if (!outcome.ok) throw new Error(`expected a parse, got ${JSON.stringify(outcome.errors)}`);
  return outcome;
};
const columnsOf = (outcome: ParseOutcome) =>
  Object.fromEntries(Object.entries(parsed(outcome).mapping.columns).map(([field, c]) => [field, [c.column, c.method, c.confidence]]));
const values = (outcome: ParseOutcome) => parsed(outcome).lineItems.map((i) => [i.sku, i.title, i.quantity, i.unitCost]);
const warningCodes = (outcome: ParseOutcome) => parsed(outcome).warnings.map((w) => `${w.code}:${w.field ?? ""}`);

describe("column mapping by header", () => {
  it.each([
    ["German", "Artikelnummer;Bezeichnung;Menge;Einzelpreis (EUR)\nA-1;Zelt;2;12,50\n"],
    ["French", "Réf. article;Désignation;Qté;Prix unitaire HT\nA-1;Zelt;2;12,50 €\n"],
    ["Spanish", "Código;Descripción;Cantidad;Precio unitario\nA-1;Zelt;2;12,50\n"],
    ["Italian", "Codice articolo;Descrizione;Quantità;Prezzo unitario (€)\nA-1;Zelt;2;12,50\n"],
    ["Dutch", "Artikelcode;Omschrijving;Aantal;Stukprijs excl. BTW\nA-1;Zelt;2;12,50\n"],
    ["Portuguese", "Referência;Descrição;Quantidade;Preço unitário\nA-1;Zelt;2;12,50\n"],
    ["English with currencies", "SKU;Description;QTY;Cost (USD)\nA-1;Zelt;2;12,50\n"],
  ])("reads %s headers, accents, case and units set aside", (_, file) => {
    const outcome = parsePurchaseOrder(bytes(file));
    expect(columnsOf(outcome)).toEqual({
      sku: [1, "header", 1],
      title: [2, "header", 1],
      quantity: [3, "header", 1],
      unitCost: [4, "header", 1],
    });
    expect(values(outcome)).toEqual([["A-1", "Zelt", 2, 12.5]]);
    expect(parsed(outcome).warnings).toEqual([]);
    expect(parsed(outcome).mapping.confidence).toBe(1);
  });

  it("takes a synonym inside a longer header with less confidence, and never a line total for the unit cost", () => {
    const outcome = parsePurchaseOrder(bytes("Supplier item number,Description,Qty,Line Total,Unit Price\nA-1,Tent,2,25.00,12.50\n"));
    expect(columnsOf(outcome)).toEqual({
      sku: [1, "header", 0.8],
      title: [2, "header", 1],
      quantity: [3, "header", 1],
      unitCost: [5, "header", 1],
    });
    expect(parsed(outcome).mapping.confidence).toBe(0.8);
  });
});

describe("column mapping by content", () => {
  it("finds unfamiliar columns by what they hold and says so, instead of using the SKU as the title and dropping the cost", () => {
    const csv = "Foo,Thing,Count,Each,Extended\nAB-100,Blue ceramic mug,4,2.50,10.00\nAB-200,Large oak cutting board,2,19.90,39.80\n";
    const outcome = parsePurchaseOrder(bytes(csv));
    expect(columnsOf(outcome)).toEqual({
      sku: [1, "content", 0.7],
      title: [2, "content", 0.7],
      quantity: [3, "content", 0.7],
      unitCost: [4, "content", 0.7],
    });
    expect(values(outcome)).toEqual([
      ["AB-100", "Blue ceramic mug", 4, 2.5],
      ["AB-200", "Large oak cutting board", 2, 19.9],
    ]);
    expect(warningCodes(outcome)).toEqual([
      "guessed_column:sku",
      "guessed_column:title",
      "guessed_column:quantity",
      "guessed_column:unitCost",
      "low_confidence_lines:",
    ]);
    expect(parsed(outcome).warnings[2]!.message).toBe(
      'Column 3 ("Count") was taken as the quantity from its content, not its header: check the mapping.',
    );
    const [line] = parsed(outcome).lineItems;
    expect(line!.confidence).toBe(0.7);
    expect(line!.concerns).toContain("quantity read from a column recognised by its content");
  });

  it("reads a file without a header row from its content", () => {
    const outcome = parsePurchaseOrder(bytes("XY-1,Red pen with cap,10,0.99\nXY-2,Green pen,5,1.10\n"));
    expect(parsed(outcome).mapping.headerLine).toBeNull();
    expect(values(outcome)).toEqual([
      ["XY-1", "Red pen with cap", 10, 0.99],
      ["XY-2", "Green pen", 5, 1.1],
    ]);
  });

  it("marks a guess ambiguous when two columns would fit", () => {
    const outcome = parsePurchaseOrder(bytes("SKU,Title,A,B\nK-1,Knife,3,4\nK-2,Fork,5,6\n"));
    expect(columnsOf(outcome).quantity).toEqual([3, "content", 0.5]);
    expect(warningCodes(outcome)).toContain("ambiguous_column:quantity");
  });
});

describe("fields that cannot be found", () => {
  it("warns on the PO when there is no title or cost column, instead of falling back silently", () => {
    const outcome = parsePurchaseOrder(bytes("SKU,Qty\nP-1,3\n"));
    expect(values(outcome)).toEqual([["P-1", "P-1", 3, null]]);
    expect(parsed(outcome).warnings.map((w) => w.message)).toEqual([
      "No title column: each draft's title is its SKU. Correct the mapping if the file has one.",
      "No unit cost column: the drafts have no cost. Correct the mapping if the file has one.",
    ]);
  });

  it("refuses a file without a quantity column, saying what it looked for", () => {
    const outcome = parsePurchaseOrder(bytes("SKU,Description\nP-1,Pen\n"));
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.errors[0]!.message).toContain(
      "No quantity column found: expected a quantity column (Qty, Quantity, Menge",
    );
  });
});

describe("the merchant's columns", () => {
  const csv = "Foo,Thing,Count,Each\nAB-100,Blue mug,4,2.50\n";

  it("reads the file with the columns the merchant chose, certain of them", () => {
    const outcome = parsePurchaseOrder(bytes(csv), { columns: { sku: 2, title: 1, quantity: 3, unitCost: null } });
    expect(columnsOf(outcome)).toEqual({ sku: [2, "merchant", 1], title: [1, "merchant", 1], quantity: [3, "merchant", 1] });
    expect(values(outcome)).toEqual([["Blue mug", "AB-100", 4, null]]);
    expect(warningCodes(outcome)).toEqual(["missing_field:unitCost"]);
  });

  it("uses the columns remembered for the same header row", () => {
    const remembered = { [headerSignature(["Foo", "Thing", "Count", "Each"])]: { sku: 1, title: 2, quantity: 3, unitCost: 4 } };
    const outcome = parsePurchaseOrder(bytes(`Our PO 7\n${csv}`), { remembered });
    expect(columnsOf(outcome)).toEqual({
      sku: [1, "remembered", 1],
      title: [2, "remembered", 1],
      quantity: [3, "remembered", 1],
      unitCost: [4, "remembered", 1],
    });
    expect(parsed(outcome).mapping.headerLine).toBe(2);
    expect(parsed(outcome).warnings).toEqual([]);
  });
});

describe("provenance", () => {
  it("keeps each line's source line and text, and reports what it left out and why", () => {
    const outcome = parsed(parsePurchaseOrder(bytes("SKU,Title,Qty\nA,Apple,1\nDeliver to the back door please\nTotal,,\n")));
    expect(outcome.lineItems[0]).toMatchObject({ source: { kind: "line", line: 2, snippet: "A | Apple | 1" }, confidence: 1 });
    expect(outcome.report).toEqual({
      parser: "csv",
      linesFound: 1,
      linesLeftOut: 2,
      leftOut: [
        { line: 3, reason: "note, not a line item" },
        { line: 4, reason: "totals row (Total)" },
      ],
    });
  });
});
