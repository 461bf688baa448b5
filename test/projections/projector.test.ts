import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { READ_MODELS_CHECKPOINT } from "../../src/projections/projector.ts";
import { snapshotReadModels } from "../support/readModels.ts";
import { startTestSystem, type TestSystem } from "../support/system.ts";

type PurchaseOrderBody = { status: string; drafts: { id: string }[] };
const json = { "content-type": "application/json" };

describe("the projector", () => {
  let t: TestSystem;

  async function uploadAndEdit(n: number) {
    const csv = `SKU,Title,Qty,Cost\nP${n}-1,Plate ${n},1,2.50\nP${n}-2,Bowl ${n},2,3.75\nP${n}-3,Cup ${n},3,1\n`;
    const { id } = (await (await t.upload(`po-${n}.csv`, csv)).json()) as { id: string };
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.status === "complete" && b.drafts.length === 3);
    await t.api(`/drafts/${po.drafts[0]!.id}`, { method: "PATCH", headers: json, body: JSON.stringify({ title: `Edited ${n}`, unitCost: null }) });
    await t.api(`/drafts/${po.drafts[1]!.id}`, { method: "DELETE" });
  }

  async function quiet() {
    const all = await t.system.store.readAll();
    await t.system.projector.waitFor(all.at(-1)!.position);
    return all.at(-1)!.position;
  }

  beforeAll(async () => {
    t = await startTestSystem();
    for (const n of [1, 2, 3]) await uploadAndEdit(n);
  });
  afterAll(() => t.stop());

  it("commits its checkpoint with the last event it applied", async () => {
    const last = await quiet();
    const checkpoint = await t.database.prisma.checkpoint.findUnique({ where: { subscriber: READ_MODELS_CHECKPOINT } });
    expect(checkpoint?.position).toBe(last);
  });

  it("applies nothing twice after a restart, and goes on from its checkpoint", async () => {
    await quiet();
    const before = await snapshotReadModels(t.database.prisma);
    await t.system.projector.stop();
    await t.system.projector.start();
    await quiet();
    expect(await snapshotReadModels(t.database.prisma)).toEqual(before);
    await uploadAndEdit(4);
    const after = await snapshotReadModels(t.database.prisma);
    expect(after.purchaseOrders).toHaveLength(4);
  });

  it("rebuilds from position zero into read models identical to the live ones", async () => {
    await quiet();
    const live = await snapshotReadModels(t.database.prisma);
    expect(live.drafts).toHaveLength(8);
    await t.system.projector.rebuild();
    await quiet();
    expect(await snapshotReadModels(t.database.prisma)).toEqual(live);
  });
});
