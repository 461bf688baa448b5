import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Envelope } from "../../src/domain/events.ts";
import { decodeEvent } from "../../src/eventlog/decodeEvent.ts";
import { applyEvents, projectedTypes } from "../../src/projections/projection.ts";
import { projectionGroups } from "../../src/projections/registry.ts";
import { FakeImageSearch } from "../../src/testing/fakeImageSearch.ts";
import { snapshotReadModels } from "../support/readModels.ts";
import { startTestSystem, type TestSystem } from "../support/system.ts";

type PurchaseOrderBody = { status: string; drafts: { id: string }[] };
type ReviewBody = { products: { draftId: string; images: { id: string }[] }[] };
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
    const review = (await (await t.api(`/purchase-orders/${id}/review`)).json()) as ReviewBody;
    const reviewed = review.products.find((product) => product.images.length >= 2)!;
    const [first, second] = reviewed.images;
    await t.api(`/drafts/${reviewed.draftId}/images/${first!.id}/primary`, { method: "POST" });
    await t.api(`/drafts/${reviewed.draftId}/images/${second!.id}/reject`, { method: "POST", headers: json, body: "{}" });
  }

  async function quiet() {
    const all = await t.system.store.readAll();
    await t.system.projected(all.at(-1)!.position);
    return all.at(-1)!.position;
  }

  beforeAll(async () => {
    // Every SKU finds two or three images, so each PO has images to review.
    t = await startTestSystem({ imageSearch: new FakeImageSearch({ minLatencyMs: 0, maxLatencyMs: 5, foundFraction: 1 }) });
    for (const n of [1, 2, 3]) await uploadAndEdit(n);
  });
  afterAll(() => t.stop());

  it("commits each group's checkpoint with the last event that group applied", async () => {
    await quiet();
    const all = await t.system.store.readAll();
    for (const [group, projections] of Object.entries(projectionGroups)) {
      const handled = new Set(projections.flatMap(projectedTypes));
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

  it("leaves the same rows whether it applies the log in one batch or one event at a time", async () => {
    await quiet();
    const live = await snapshotReadModels(t.database.prisma);
    expect(live.reviewImages.some((image: { decision: string | null }) => image.decision === "rejected")).toBe(true);
    const log = (await t.system.store.readAll()).map((event) => decodeEvent(event));
    for (const projector of t.system.projectors) await projector.stop();
    const replay = async (runs: Envelope[][], foreignKeys?: Map<string, string[]>) => {
      await t.database.prisma.$transaction(async (tx) => {
        for (const group of Object.values(projectionGroups).reverse())
          for (const projection of [...group].reverse()) await projection.reset(tx);
      });
      for (const group of Object.values(projectionGroups))
        for (const run of runs) await t.database.prisma.$transaction((tx) => applyEvents(tx, group, run, foreignKeys));
      return snapshotReadModels(t.database.prisma);
    };
    expect(await replay([log])).toEqual(live);
    expect(await replay(log.map((envelope) => [envelope]))).toEqual(live);
    // Held rows written only when a write needs them (as a rebuild does), not before every write.
    const keys = await t.database.prisma.$queryRawUnsafe<{ child: string; parent: string }[]>(
      `select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent from pg_constraint c where c.contype = 'f'`,
    );
    const foreignKeys = new Map<string, string[]>();
    for (const { child, parent } of keys)
      foreignKeys.set(child.replaceAll('"', ""), [...(foreignKeys.get(child.replaceAll('"', "")) ?? []), parent.replaceAll('"', "")]);
    for (const table of ["PurchaseOrder", "WorkflowStage", "ImageReviewSession"]) foreignKeys.set(table, foreignKeys.get(table) ?? []);
    expect(await replay([log], foreignKeys)).toEqual(live);
    for (const projector of t.system.projectors) await projector.start();
    while (t.system.projectors.some((projector) => projector.status().state !== "active"))
      await new Promise((resolve) => setTimeout(resolve, 20));
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
