import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scannedPdf, supplierPdf, supplierWorkbook } from "../support/poFiles.ts";
import { merchantB, startTestSystem, type TestSystem } from "../support/system.ts";

type Column = { column: number; header: string | null; method: string; confidence: number };
type PurchaseOrderBody = {
  id: string;
  status: string;
  progress: { lowConfidenceLines: number };
  columnMapping: { headerLine: number | null; headers: string[]; columns: Record<string, Column>; confidence: number };
  warnings: { code: string; field?: string; message: string }[];
  lineItems: { lineNumber: number; sku: string | null; title: string; unitCost: number | null; flagged: boolean; source: unknown }[];
  stages: { stage: string; detail: unknown }[];
  drafts: {
    id: string;
    lineNumber: number;
    sku: string | null;
    title: string;
    unitCost: number | null;
    revision: number;
    flagged: boolean;
  }[];
};

// A supplier whose headers no synonym knows: the SKU-like codes sit in "Ref#2", the description in "Label".
const unfamiliar = [
  "Label,Ref#2,Count,Each",
  "Blue ceramic mug,AB-100,4,2.50",
  "Large oak cutting board,AB-200,2,19.90",
  "Total,T-9,,49.80",
].join("\n");

/** The stage log is projected apart from the drafts an upload waits for. */
async function parseStageOf(t: TestSystem, id: string) {
  const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.stages.some((s) => s.stage === "parse" && s.detail));
  return po.stages.find((s) => s.stage === "parse")!.detail;
}

describe("column mapping over HTTP", () => {
  let t: TestSystem;
  beforeAll(async () => {
    t = await startTestSystem();
  });
  afterAll(() => t.stop());

  const upload = async (content: string, as?: { key: string }) => {
    const response = await t.upload("po.csv", content, { as });
    expect(response.status, await response.clone().text()).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  const purchaseOrder = async (id: string, as?: { key: string }) =>
    (await (await t.api(`/purchase-orders/${id}`, { as })).json()) as PurchaseOrderBody;
  const correct = (id: string, columns: object, as?: { key: string }) =>
    t.api(`/purchase-orders/${id}/column-mapping`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(columns),
      as,
    });

  it("shows the mapping, how each column was found, and what to check", async () => {
    const po = await purchaseOrder(await upload(unfamiliar));
    expect(po.columnMapping.headers).toEqual(["Label", "Ref#2", "Count", "Each"]);
    expect(po.columnMapping.columns.quantity).toEqual({ column: 3, header: "Count", method: "content", confidence: 0.7 });
    expect(po.warnings.map((w) => w.code)).toContain("guessed_column");
    expect(po.lineItems.every((l) => l.flagged)).toBe(true);
    expect(po.progress.lowConfidenceLines).toBe(2);
    expect(po.drafts.every((d) => d.flagged)).toBe(true);
    expect(await parseStageOf(t, po.id)).toEqual({
      parser: "csv",
      linesFound: 2,
      linesLeftOut: 1,
      leftOut: [{ line: 4, reason: "totals row (Total)" }],
    });
  });

  it("re-parses with the merchant's columns: new events, the drafts follow, a merchant's edit is kept", async () => {
    const id = await upload(unfamiliar);
    const before = await purchaseOrder(id);
    const [mug, board] = before.drafts;
    // The merchant edits the board's title by hand before noticing the mapping.
    const edit = await t.api(`/drafts/${board!.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Oak board (large)" }),
    });
    expect(edit.status).toBe(200);
    const eventsBefore = (await t.system.store.readStream(`po-${id}`)).map((e) => e.type);

    const response = await correct(id, { title: 1, sku: 2, quantity: 3, unitCost: null });
    expect(response.status, await response.clone().text()).toBe(200);
    const after = (await response.json()) as PurchaseOrderBody;
    expect(after.status).not.toBe("parsed");
    expect(after.columnMapping.columns.title).toEqual({ column: 1, header: "Label", method: "merchant", confidence: 1 });
    expect(after.warnings.map((w) => `${w.code}:${w.field}`)).toEqual(["missing_field:unitCost"]);
    expect(after.lineItems.map((l) => [l.sku, l.title, l.unitCost, l.flagged])).toEqual([
      ["AB-100", "Blue ceramic mug", null, false],
      ["AB-200", "Large oak cutting board", null, false],
    ]);
    // Same drafts, not new ones: the untouched fields follow the new parse, the merchant's title stays.
    expect(after.drafts.map((d) => [d.id, d.sku, d.title, d.unitCost])).toEqual([
      [mug!.id, "AB-100", "Blue ceramic mug", null],
      [board!.id, "AB-200", "Oak board (large)", null],
    ]);

    const events = (await t.system.store.readStream(`po-${id}`)).map((e) => e.type);
    expect(events.slice(0, eventsBefore.length)).toEqual(eventsBefore);
    expect(events.slice(eventsBefore.length)).toEqual(["ColumnMappingCorrected", "PurchaseOrderParsed", "DraftsReconciled"]);
  });

  it("remembers the merchant's columns for the supplier's header row, and uses them for the next file", async () => {
    const id = await upload(unfamiliar);
    const corrected = await correct(id, { title: 1, sku: 2, quantity: 3, unitCost: 4 });
    expect(corrected.status, await corrected.text()).toBe(200);
    const next = await purchaseOrder(await upload(`Order 2026-77\n${unfamiliar.replace("AB-100", "AB-300")}`));
    expect(Object.values(next.columnMapping.columns).map((c) => c.method)).toEqual([
      "remembered",
      "remembered",
      "remembered",
      "remembered",
    ]);
    expect(next.lineItems[0]).toMatchObject({ sku: "AB-300", title: "Blue ceramic mug", unitCost: 2.5, flagged: false });
    expect(next.warnings).toEqual([]);
    // Another merchant's suppliers are their own.
    const theirs = await purchaseOrder(await upload(unfamiliar, merchantB), merchantB);
    expect(theirs.columnMapping.columns.title!.method).toBe("content");
  });

  it("removes the drafts of lines that are no longer line items, and gives lines that come back new drafts", async () => {
    const id = await upload(unfamiliar);
    const [mug, board] = (await purchaseOrder(id)).drafts;
    // With "Each" as the quantity the totals row, which has a SKU, has a quantity too: it reads as a line, a new draft for line 4.
    const withTotals = (await (await correct(id, { title: 1, sku: 2, quantity: 4 })).json()) as PurchaseOrderBody;
    expect(withTotals.drafts.map((d) => [d.lineNumber, d.title])).toEqual([
      [2, "Blue ceramic mug"],
      [3, "Large oak cutting board"],
      [4, "Total"],
    ]);
    const totalsDraft = withTotals.drafts[2]!.id;
    expect(withTotals.drafts.slice(0, 2).map((d) => d.id)).toEqual([mug!.id, board!.id]);

    const back = (await (await correct(id, { title: 1, sku: 2, quantity: 3 })).json()) as PurchaseOrderBody;
    expect(back.drafts.map((d) => d.lineNumber)).toEqual([2, 3]);
    const totalsDraftEvents = (await t.system.store.readStream(`draft-${totalsDraft}`)).map((e) => e.type);
    expect([totalsDraftEvents[0], totalsDraftEvents.at(-1)]).toEqual(["DraftCreated", "DraftDeleted"]);

    const again = (await (await correct(id, { title: 1, sku: 2, quantity: 4 })).json()) as PurchaseOrderBody;
    expect(again.drafts).toHaveLength(3);
    expect(again.drafts[2]!.id).not.toBe(totalsDraft);
  });

  it("refuses columns that do not read the file, saying where, and writes nothing", async () => {
    const id = await upload(unfamiliar);
    const eventsBefore = await t.system.store.readStream(`po-${id}`);
    const response = await correct(id, { sku: 2, quantity: 1 });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { issues: { line: number; column: number; message: string }[] };
    expect(body.issues[0]).toMatchObject({ line: 2, column: 1, message: 'Quantity "Blue ceramic mug" is not a number' });
    expect(await t.system.store.readStream(`po-${id}`)).toHaveLength(eventsBefore.length);

    expect((await correct(id, { title: 1, quantity: 1 })).status).toBe(400);
    expect((await correct(id, { title: 1, sku: 2, quantity: 3 }, merchantB)).status).toBe(404);
  });
});

describe("spreadsheets and PDFs over HTTP", () => {
  let t: TestSystem;
  beforeAll(async () => {
    t = await startTestSystem();
  });
  afterAll(() => t.stop());

  const uploaded = async (fileName: string, bytes: Uint8Array, contentType: string) => {
    const response = await t.upload(fileName, bytes, { contentType });
    expect(response.status, await response.clone().text()).toBe(202);
    const { id } = (await response.json()) as { id: string };
    return (await (await t.api(`/purchase-orders/${id}`)).json()) as PurchaseOrderBody;
  };
  const parseStage = (id: string) => parseStageOf(t, id);

  it("parses an .xlsx at upload, with each line's sheet and row, and logs the parser", async () => {
    const po = await uploaded("order.xlsx", await supplierWorkbook(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    expect(po.drafts.map((d) => [d.sku, d.title, d.unitCost])).toEqual([
      ["NS-100", "Kaffeebecher, blau", 2.5],
      ["NS-200", "Schneidebrett Eiche", 19.9],
      ["NS-300", "Teekanne", 1234.5],
    ]);
    expect(po.lineItems[2]!.source).toMatchObject({ kind: "sheet", sheet: "Order", row: 9 });
    expect(await parseStage(po.id)).toMatchObject({ parser: "xlsx", linesFound: 3, linesLeftOut: 2 });
  });

  it("parses a PDF with a text layer at upload, with each line's page and y range", async () => {
    const lines = Array.from({ length: 12 }, (_, i) => ({
      sku: `P-${i + 1}`,
      title: [`Product ${i + 1}`],
      qty: "2",
      price: "9.50",
      amount: "19.00",
    }));
    const po = await uploaded("order.pdf", await supplierPdf(lines, { linesPerPage: 8 }), "application/pdf");
    expect(po.drafts).toHaveLength(12);
    expect(po.lineItems[11]!.source).toMatchObject({ kind: "page", page: 2 });
    expect(await parseStage(po.id)).toMatchObject({ parser: "pdf", linesFound: 12 });
  });

  it("refuses a PDF without text (a scan) at upload with 422, and an .xls with 415 saying what it reads", async () => {
    const scan = await t.upload("scan.pdf", await scannedPdf(), { contentType: "application/pdf" });
    expect(scan.status).toBe(422);
    const refusal = (await scan.json()) as { message: string; issues: { path: string; message: string }[] };
    expect(refusal.message).toContain("no text layer");
    expect(refusal.issues[0]!.message).toContain("set REPLICATE_API_TOKEN and REPLICATE_PARSER_MODEL");
    const xls = await t.upload("old.xls", new Uint8Array([0xd0, 0xcf, 0x11, 0xe0]), { contentType: "application/vnd.ms-excel" });
    expect(xls.status).toBe(415);
    expect(((await xls.json()) as { message: string }).message).toContain("save an .xls as .xlsx");
  });
});

describe("a column-mapping correction, normalized like an upload", () => {
  let t: TestSystem;
  beforeAll(async () => {
    t = await startTestSystem();
  });
  afterAll(() => t.stop());

  it("merges the lines the corrected SKU column makes one product, and removes the merged-away draft", async () => {
    // Read first with SKU from "Code" (all different); the merchant says the SKU is "Ref", where two lines agree.
    const file = [
      "Code,Ref,Item,Qty,Cost",
      "C-1,AB-100,BLUE MUG,4,2.50",
      "C-2,AB-200,Oak board,2,19.90",
      "C-3,AB-100,Blue mug,1,2.50",
    ].join("\n");
    const upload = await t.upload("po.csv", file);
    const { id } = (await upload.json()) as { id: string };
    const before = (await (await t.api(`/purchase-orders/${id}`)).json()) as PurchaseOrderBody;
    expect(before.drafts.map((d) => [d.lineNumber, d.sku, d.title])).toEqual([
      [2, "C-1", "Blue Mug"],
      [3, "C-2", "Oak board"],
      [4, "C-3", "Blue mug"],
    ]);
    const corrected = await t.api(`/purchase-orders/${id}/column-mapping`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sku: 2, title: 3, quantity: 4, unitCost: 5 }),
    });
    expect(corrected.status).toBe(200);
    type Merged = { drafts: { lineNumber: number; sku: string; title: string; quantity: number; mergedLines: unknown }[] };
    const after = await t.eventually<Merged>(`/purchase-orders/${id}`, (po) => po.drafts.length === 2);
    expect(after.drafts.map((d) => [d.lineNumber, d.sku, d.title, d.quantity])).toEqual([
      [2, "AB-100", "Blue Mug", 5],
      [3, "AB-200", "Oak board", 2],
    ]);
    expect(after.drafts[0]!.mergedLines).toEqual([
      { lineNumber: 2, quantity: 4, unitCost: 2.5 },
      { lineNumber: 4, quantity: 1, unitCost: 2.5 },
    ]);
    // The merge is recorded on the kept draft's stream, like a merchant's edit would be.
    const events = await t.system.store.readStream(`draft-${before.drafts[0]!.id}`);
    expect(events.find((e) => e.type === "DraftUpdated")?.data).toMatchObject({
      changes: { sku: "AB-100", quantity: 5 },
      mergedLines: [{ lineNumber: 2 }, { lineNumber: 4 }],
    });
    expect((await t.system.store.readStream(`draft-${before.drafts[2]!.id}`)).map((e) => e.type)).toContain("DraftDeleted");
  });
});
