import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresEventStore } from "../../src/eventstore/postgres.ts";
import { RecordingEventStore } from "../support/recordingEventStore.ts";
import { merchantB, startTestSystem, type TestSystem } from "../support/system.ts";

type PurchaseOrderBody = {
  id: string;
  status: string;
  lineItems: { lineNumber: number; sku: string | null; title: string; quantity: number; unitCost: number | null; source: unknown }[];
  stages: { stage: string; status: string; durationMs: number | null }[];
  drafts: { id: string; sku: string | null; title: string; quantity: number; unitCost: number | null; images: unknown[] }[];
};

const csv = [
  "Supplier: Test Supply Co",
  "SKU,Description,Qty,Unit Cost",
  'TS-1,"Widget, large",2,"$1,234.50"',
  "TS-2,Gadget,5,3.25",
  "Subtotal,,,2485.25",
].join("\n");

describe("purchase orders over HTTP", () => {
  let t: TestSystem;
  let log: RecordingEventStore;
  beforeAll(async () => {
    t = await startTestSystem({
      maxUploadBytes: 64 * 1024,
      eventLog: (database) => ({ store: (log = new RecordingEventStore(new PostgresEventStore(database.url))) }),
    });
  });
  afterAll(() => t.stop());

  /** Read at once, no waiting: an upload answers only when its drafts are in the read models. */
  const purchaseOrder = async (id: string) => (await (await t.api(`/purchase-orders/${id}`)).json()) as PurchaseOrderBody;

  it("answers once the drafts are readable: a GET right after the upload shows one draft per line", async () => {
    const response = await t.upload("po.csv", csv);
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    expect(response.headers.get("location")).toBe(`/purchase-orders/${id}`);

    const right = await t.api(`/purchase-orders/${id}`);
    expect(right.status).toBe(200);
    const po = (await right.json()) as PurchaseOrderBody;
    expect(po.lineItems).toEqual([
      expect.objectContaining({ lineNumber: 3, sku: "TS-1", title: "Widget, large", quantity: 2, unitCost: 1234.5, confidence: 1 }),
      expect.objectContaining({ lineNumber: 4, sku: "TS-2", title: "Gadget", quantity: 5, unitCost: 3.25, flagged: false }),
    ]);
    expect(po.lineItems[0]!.source).toEqual({ kind: "line", line: 3, snippet: "TS-1 | Widget, large | 2 | $1,234.50" });
    expect(po.drafts.map(({ sku, title, quantity, unitCost }) => ({ sku, title, quantity, unitCost }))).toEqual([
      { sku: "TS-1", title: "Widget, large", quantity: 2, unitCost: 1234.5 },
      { sku: "TS-2", title: "Gadget", quantity: 5, unitCost: 3.25 },
    ]);
  });

  it("records the upload, its parse and every draft in one append, the PO's stream last", async () => {
    const { id } = (await (await t.upload("po.csv", csv)).json()) as { id: string };
    const po = await purchaseOrder(id);
    const draftStreams = po.drafts.map((d) => `draft-${d.id}`);

    const upload = log.appends.filter((append) => append.some((a) => a.streamName === `po-${id}`));
    expect(upload).toHaveLength(1);
    expect(upload[0]!.map((a) => [a.streamName, a.events.map((e) => e.type)])).toEqual([
      // upload, parse, normalize, apply_rules, create_drafts: each started and completed.
      [`workflow-${id}`, Array.from({ length: 5 }, () => ["StageStarted", "StageCompleted"]).flat()],
      ...draftStreams.map((stream) => [stream, ["DraftCreated"]]),
      [`po-${id}`, ["PurchaseOrderUploaded", "PurchaseOrderParsed", "DraftsCreated"]],
    ]);

    // The log holds them as that one append wrote them: side by side, nothing in between.
    const ids = new Set(upload[0]!.flatMap((a) => a.events.map((e) => e.id)));
    const written = (await t.system.store.readAll()).filter((e) => ids.has(e.id));
    expect(written).toHaveLength(ids.size);
    expect(written.map((e) => e.position - written[0]!.position)).toEqual(written.map((_, i) => BigInt(i)));
    expect(written.at(-1)!).toMatchObject({ streamName: `po-${id}`, type: "DraftsCreated", revision: 2n });
  });

  it("shows upload, parse, normalization, merchant rules and draft creation in the stage log, each with its duration", async () => {
    const { id } = (await (await t.upload("po.csv", csv)).json()) as { id: string };
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.status === "complete");
    expect(po.stages.slice(0, 5)).toEqual(
      ["upload", "parse", "normalize", "apply_rules", "create_drafts"].map((stage) =>
        expect.objectContaining({ stage, status: "completed", durationMs: expect.any(Number) }),
      ),
    );
  });

  it("parses the shipped sample files", async () => {
    for (const sample of ["acme-outdoor.csv", "nordic-kitchen.ssv.csv", "bright-stationery.tsv"]) {
      const content = await readFile(new URL(`../../samples/${sample}`, import.meta.url));
      const response = await t.upload(sample, content, { contentType: sample.endsWith(".tsv") ? "text/tab-separated-values" : "text/csv" });
      expect(response.status, sample).toBe(202);
      const { id } = (await response.json()) as { id: string };
      const po = await purchaseOrder(id);
      expect(po.drafts.length, sample).toBeGreaterThanOrEqual(5);
    }
  });

  it("lists only the merchant's own purchase orders, paged", async () => {
    const page1 = (await (await t.api("/purchase-orders?limit=1")).json()) as { items: { id: string }[]; nextCursor: string };
    expect(page1.items).toHaveLength(1);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const page2 = (await (await t.api(`/purchase-orders?limit=1&cursor=${page1.nextCursor}`)).json()) as { items: { id: string }[] };
    expect(page2.items[0]!.id).not.toBe(page1.items[0]!.id);
    const theirs = (await (await t.api("/purchase-orders", { as: merchantB })).json()) as { items: unknown[] };
    expect(theirs.items).toEqual([]);
    const badCursor = await t.api("/purchase-orders?cursor=nonsense");
    expect(badCursor.status).toBe(400);
    expect(((await badCursor.json()) as { message: string }).message).toContain("cursor");
  });

  it("edits and deletes drafts, and hides them from other merchants", async () => {
    const { id } = (await (await t.upload("po.csv", csv)).json()) as { id: string };
    const po = await purchaseOrder(id);
    const [first, second] = po.drafts;

    expect((await t.api(`/purchase-orders/${id}`, { as: merchantB })).status).toBe(404);
    expect((await t.api(`/drafts/${first!.id}`, { as: merchantB })).status).toBe(404);
    expect((await t.api(`/drafts/${first!.id}`, { method: "DELETE", as: merchantB })).status).toBe(404);
    const theirPatch = await t.api(`/drafts/${first!.id}`, {
      method: "PATCH",
      as: merchantB,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "hijacked" }),
    });
    expect(theirPatch.status).toBe(404);

    const patched = await t.api(`/drafts/${first!.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Widget XL", quantity: 3 }),
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ id: first!.id, title: "Widget XL", quantity: 3, sku: "TS-1" });

    expect((await t.api(`/drafts/${second!.id}`, { method: "DELETE" })).status).toBe(204);
    expect((await t.api(`/drafts/${second!.id}`)).status).toBe(404);
    expect((await t.api(`/drafts/${second!.id}`, { method: "DELETE" })).status).toBe(404);
    const after = (await (await t.api(`/purchase-orders/${id}`)).json()) as PurchaseOrderBody;
    expect(after.drafts.map((d) => d.title)).toEqual(["Widget XL"]);
  });

  it("rejects bad draft edits saying what and where", async () => {
    const { id } = (await (await t.upload("po.csv", csv)).json()) as { id: string };
    const [draft] = (await purchaseOrder(id)).drafts;
    const patch = (body: string) =>
      t.api(`/drafts/${draft!.id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body });

    const invalidJson = await patch('{"title": ');
    expect(invalidJson.status).toBe(400);
    expect(((await invalidJson.json()) as { error: string }).error).toBe("invalid_json");

    const negative = await patch(JSON.stringify({ quantity: -1 }));
    expect(negative.status).toBe(400);
    expect(((await negative.json()) as { issues: { path: string }[] }).issues[0]!.path).toBe("body.quantity");

    expect((await patch(JSON.stringify({ colour: "red" }))).status).toBe(400);
    expect((await patch(JSON.stringify({}))).status).toBe(400);
    expect((await t.api("/drafts/not-a-uuid")).status).toBe(400);
    expect((await t.api("/drafts/6b0f2b53-2f43-4a8c-9a43-1d1c2f6d2f11")).status).toBe(404);
  });

  it("rejects an unreadable file with line, column and field, and stores nothing", async () => {
    const before = (await (await t.api("/purchase-orders?limit=100")).json()) as { items: unknown[] };
    const response = await t.upload("bad.csv", "SKU,Title,Qty\nA-1,Apple,abc\nA-2,,\n");
    expect(response.status).toBe(422);
    const body = (await response.json()) as { message: string; issues: { line: number; column?: number; path: string }[] };
    expect(body.issues[0]).toMatchObject({ line: 2, column: 3, path: "quantity" });
    const after = (await (await t.api("/purchase-orders?limit=100")).json()) as { items: unknown[] };
    expect(after.items.length).toBe(before.items.length);
  });

  it("answers 413, 415 and 400 for oversized, foreign and missing files", async () => {
    const huge = `SKU,Title,Qty\n${"A-1,Apple,1\n".repeat(10_000)}`;
    const tooLarge = await t.upload("huge.csv", huge);
    expect(tooLarge.status).toBe(413);
    expect((await t.upload("photo.gif", "GIF89a", { contentType: "image/gif" })).status).toBe(415);
    expect((await t.upload("po.pdf", "%PDF-1.4", { contentType: "application/pdf" })).status).toBe(422);
    const json = await t.api("/purchase-orders", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(json.status).toBe(415);
    const wrongField = await t.upload("po.csv", csv, { field: "document" });
    expect(wrongField.status).toBe(422);
    expect(((await wrongField.json()) as { message: string }).message).toContain('named "file"');
  });

  it("requires a valid API key everywhere but /health", async () => {
    expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
    expect((await fetch(`${t.baseUrl}/purchase-orders`)).status).toBe(401);
    const wrong = await t.api("/purchase-orders", { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toContain("not valid");
  });

  it("serves OpenAPI generated from the route schemas", async () => {
    const spec = (await (await fetch(`${t.baseUrl}/docs/json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(["/purchase-orders", "/purchase-orders/{id}", "/drafts/{id}"]));
  });
});
