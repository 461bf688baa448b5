import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PostgresEventStore } from "../../src/eventstore/postgres.ts";
import { RecordingEventStore } from "../support/recordingEventStore.ts";
import { merchantA, merchantB, startTestSystem, type TestSystem } from "../support/system.ts";

type Draft = {
  id: string;
  lineNumber: number;
  sku: string | null;
  title: string;
  quantity: number;
  unitCost: number | null;
  retailPrice: number | null;
  mergedLines: { lineNumber: number; quantity: number; unitCost: number | null }[] | null;
  revision: number;
};
type PurchaseOrderBody = {
  id: string;
  drafts: Draft[];
  stages: { stage: string; status: string; detail: unknown }[];
  timeline: { stage: string; status: string }[];
};

// A supplier that shouts, spaces at random and lists the same SKU twice.
const csv = [
  "SKU,Description,Qty,Unit Cost",
  "AO-FLOUR,STONE-GROUND   FLOUR 1KG,2,3.00",
  '  AO-OIL ,"Olive oil,   cold pressed 1 Kg",4,10.00',
  "AO-FLOUR,Stone-ground flour 1 kg,3,3.50",
].join("\n");

const pricing = { markup: 2, rounding: ".99", minimumMarginPercent: 0 };

describe("normalization and merchant rules at upload", () => {
  let t: TestSystem;
  let log: RecordingEventStore;
  beforeAll(async () => {
    t = await startTestSystem({
      eventLog: (database) => ({ store: (log = new RecordingEventStore(new PostgresEventStore(database.url))) }),
    });
    const saved = await t.api("/settings", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pricing, defaultVendor: null, productType: null, tags: [], publishStatus: "DRAFT", autoPublish: false }),
    });
    expect(saved.status).toBe(200);
  });
  afterAll(() => t.stop());

  const upload = async (as = merchantA) => {
    const response = await t.upload("messy.csv", csv, { as });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    return { id, po: (await (await t.api(`/purchase-orders/${id}`, { as })).json()) as PurchaseOrderBody };
  };

  it("makes drafts of tidy titles and trimmed SKUs, one per SKU with the quantities summed, priced by the merchant's rule", async () => {
    const { po } = await upload();
    expect(
      po.drafts.map(({ lineNumber, sku, title, quantity, unitCost, retailPrice }) => ({
        lineNumber,
        sku,
        title,
        quantity,
        unitCost,
        retailPrice,
      })),
    ).toEqual([
      // 2 × 3.00 + 3 × 3.50 = 16.50 for 5: 3.30 each, × 2 is 6.60, up to 6.99.
      { lineNumber: 2, sku: "AO-FLOUR", title: "Stone-Ground Flour 1 kg", quantity: 5, unitCost: 3.3, retailPrice: 6.99 },
      { lineNumber: 3, sku: "AO-OIL", title: "Olive oil, cold pressed 1 kg", quantity: 4, unitCost: 10, retailPrice: 20.99 },
    ]);
    expect(po.drafts[0]!.mergedLines).toEqual([
      { lineNumber: 2, quantity: 2, unitCost: 3 },
      { lineNumber: 4, quantity: 3, unitCost: 3.5 },
    ]);
    expect(po.drafts[1]!.mergedLines).toBeNull();
  });

  it("records the normalize and apply_rules stages in the upload's one append, saying what they did", async () => {
    const before = log.appends.length;
    const { id, po } = await upload();
    const appends = log.appends.slice(before).filter((append) => append.some((a) => a.streamName === `po-${id}`));
    expect(appends).toHaveLength(1);
    const [append] = appends;
    expect(append!.map((a) => a.streamName)).toEqual([`workflow-${id}`, ...po.drafts.map((d) => `draft-${d.id}`), `po-${id}`]);
    const announced = append!.at(-1)!.events.find((e) => e.type === "DraftsCreated")!;
    expect((announced.data as { drafts: Draft[] }).drafts[0]).toMatchObject({
      quantity: 5,
      retailPrice: 6.99,
      mergedLines: [{ lineNumber: 2 }, { lineNumber: 4 }],
    });
    expect(append![1]!.events[0]!.data).toMatchObject({ mergedLines: [{ lineNumber: 2 }, { lineNumber: 4 }] });

    // The stage log is projected apart from the drafts an upload waits for.
    const logged = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) =>
      b.stages.some((s) => s.stage === "create_drafts"),
    );
    expect(logged.stages.find((s) => s.stage === "normalize")).toMatchObject({
      status: "completed",
      // The CSV reader trims cells itself; the third line's title was already tidy.
      detail: { titlesChanged: 2, skusTrimmed: 0, merged: [{ sku: "AO-FLOUR", lineNumbers: [2, 4], quantity: 5 }] },
    });
    expect(logged.stages.find((s) => s.stage === "apply_rules")).toMatchObject({
      status: "completed",
      detail: { pricing, priced: 2, withoutPrice: 0 },
    });
    expect(logged.timeline.map((s) => s.stage).slice(0, 5)).toEqual(["upload", "parse", "normalize", "apply_rules", "create_drafts"]);
  });

  it("lets the reviewer change the retail price", async () => {
    const { po } = await upload();
    const draft = po.drafts[1]!;
    const edited = await t.api(`/drafts/${draft.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ retailPrice: 24.5 }),
    });
    expect(edited.status).toBe(200);
    expect(await edited.json()).toMatchObject({ retailPrice: 24.5, unitCost: 10 });
    const events = await t.system.store.readStream(`draft-${draft.id}`);
    expect(events.at(-1)).toMatchObject({ type: "DraftUpdated", data: { draftId: draft.id, changes: { retailPrice: 24.5 } } });
    const refused = await t.api(`/drafts/${draft.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ retailPrice: -1 }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(["body.retailPrice"]);
  });

  it("prices nothing for a merchant without a pricing rule, and normalizes all the same", async () => {
    const { po } = await upload(merchantB);
    expect(po.drafts.map((d) => [d.title, d.quantity, d.retailPrice])).toEqual([
      ["Stone-Ground Flour 1 kg", 5, null],
      ["Olive oil, cold pressed 1 kg", 4, null],
    ]);
  });
});
