import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectionGroups } from "../../src/projections/registry.ts";
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
    await t.api(`/drafts/${po.drafts[0]!.id}`, {
      method: "PATCH",
      headers: json,
      body: JSON.stringify({ title: `Edited ${n}`, unitCost: null }),
    });
    await t.api(`/drafts/${po.drafts[1]!.id}`, { method: "DELETE" });
  }

  async function quiet() {
    const all = await t.system.store.readAll();
    await t.system.projected(all.at(-1)!.position);
    return all.at(-1)!.position;
  }

  beforeAll(async () => {
    t = await startTestSystem();
    for (const n of [1, 2, 3]) await uploadAndEdit(n);
  });
  afterAll(() => t.stop());

  it("commits each group's checkpoint with the last event that group applied", async () => {
    await quiet();
    const all = await t.system.store.readAll();
    for (const [group, projections] of Object.entries(projectionGroups)) {
      const handled = new Set(projections.flatMap((p) => Object.keys(p.handlers)));
      // A group none of whose events happened yet (optimization, here) has no checkpoint either.
      const lastHandled = all.filter((e) => handled.has(e.type)).at(-1)?.position;
      const checkpoint = await t.database.prisma.checkpoint.findUnique({ where: { subscriber: `projection:${group}` } });
      expect(checkpoint?.position, group).toBe(lastHandled);
    }
  });

  it("applies nothing twice after a restart, and goes on from its checkpoint", async () => {
    await quiet();
    const before = await snapshotReadModels(t.database.prisma);
    for (const projector of t.system.projectors) await projector.stop();
    for (const projector of t.system.projectors) await projector.start();
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
    for (const projector of t.system.projectors) await projector.rebuild();
    await quiet();
    expect(await snapshotReadModels(t.database.prisma)).toEqual(live);
  });
});
