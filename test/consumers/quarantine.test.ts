import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.ts";
import { adminKey, startTestSystem, type TestSystem } from "../support/system.ts";

type Draft = { id: string; title: string };
type PurchaseOrderBody = {
  status: string;
  drafts: Draft[];
  quarantined?: { consumer: string; eventType: string; error: string; heldBehind: string | null }[];
};
type ProjectionStatus = {
  name: string;
  state: string;
  heldBy: string | null;
  quarantinedEvents: number;
  quarantinedPurchaseOrders: number;
};

const json = { "content-type": "application/json" };

describe("a poison event in the log", () => {
  let t: TestSystem;
  const admin = (path: string, init: RequestInit = {}) => t.api(path, { ...init, as: { key: adminKey } });

  async function uploadComplete(n: number): Promise<{ id: string; drafts: Draft[] }> {
    const { id } = (await (await t.upload(`q-${n}.csv`, `SKU,Title,Qty\nQ${n}-1,Mug ${n},1\nQ${n}-2,Plate ${n},2\n`)).json()) as {
      id: string;
    };
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.status === "complete");
    return { id, drafts: po.drafts };
  }

  /** Written with SQL, as a bug or a hand edit would, past the store's validation. */
  async function insertPoison(purchaseOrderId: string, draftId: string): Promise<string> {
    const eventId = randomUUID();
    const [next] = await t.database.prisma.$queryRawUnsafe<{ revision: bigint }[]>(
      "SELECT max(stream_revision) + 1 AS revision FROM event_log WHERE stream_name = $1",
      `draft-${draftId}`,
    );
    await t.database.prisma.$executeRawUnsafe(
      `INSERT INTO event_log (stream_name, stream_revision, event_id, event_type, data, metadata) VALUES ($1, $2, $3::uuid, 'DraftUpdated', $4::jsonb, $5::jsonb)`,
      `draft-${draftId}`,
      next!.revision,
      eventId,
      JSON.stringify({ draftId, changes: { title: 42 } }),
      JSON.stringify({
        merchantId: "merchant-a",
        correlationId: purchaseOrderId,
        causationId: randomUUID(),
        actor: "merchant:merchant-a",
        schemaVersion: 1,
      }),
    );
    return eventId;
  }

  const readModels = async () =>
    ((await (await admin("/admin/projections")).json()) as { projections: ProjectionStatus[] }).projections.find(
      (p) => p.name === "read-models",
    )!;

  beforeAll(async () => {
    t = await startTestSystem();
  });
  afterAll(() => t.stop());

  it("quarantines that PO's events with the error shown, while every other PO goes on; retry after the repair applies them in order", async () => {
    const broken = await uploadComplete(1);
    const poisonId = await insertPoison(broken.id, broken.drafts[0]!.id);
    // A later, valid event of the same PO waits behind the poison one.
    expect(
      (await t.api(`/drafts/${broken.drafts[1]!.id}`, { method: "PATCH", headers: json, body: JSON.stringify({ title: "Edited plate" }) }))
        .status,
    ).toBe(200);

    const shown = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${broken.id}`, (b) => (b.quarantined ?? []).length === 2);
    expect(shown.status).toBe("quarantined");
    expect(shown.quarantined![0]).toMatchObject({ consumer: "projection:read-models", eventType: "DraftUpdated", heldBehind: null });
    expect(shown.quarantined![0]!.error).toMatch(/changes\.title/);
    expect(shown.quarantined![1]).toMatchObject({ eventType: "DraftUpdated", heldBehind: expect.any(String) });
    expect(shown.drafts.map((d) => d.title)).toEqual(["Mug 1", "Plate 1"]);

    const other = await uploadComplete(2);
    expect(other.drafts).toHaveLength(2);
    expect(await readModels()).toMatchObject({
      state: "active",
      quarantinedEvents: 2,
      quarantinedPurchaseOrders: 1,
      heldBy: expect.stringMatching(/:\d+$/),
    });
    expect(await (await admin("/metrics")).text()).toContain('po_consumer_quarantined_events{consumer="projection:read-models"} 2');
    const listed = JSON.parse(await cliOutput("projections", "quarantine", "read-models"));
    expect(listed.quarantined.map((q: { position: string }) => q.position)).toHaveLength(2);

    // Still broken: the retry fails, and the events stay quarantined.
    expect((await admin(`/admin/projections/read-models/quarantine/${broken.id}/retry`, { method: "POST" })).status).toBe(500);
    expect((await readModels()).quarantinedEvents).toBe(2);

    await t.database.prisma.$executeRawUnsafe(
      `UPDATE event_log SET data = jsonb_set(data, '{changes,title}', '"Repaired mug"') WHERE event_id = $1::uuid`,
      poisonId,
    );
    const retried = await admin(`/admin/projections/read-models/quarantine/${broken.id}/retry`, { method: "POST" });
    expect(await retried.json()).toEqual({ projector: "read-models", purchaseOrderId: broken.id, applied: 2 });
    const repaired = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${broken.id}`, (b) => b.status === "complete");
    expect(repaired.quarantined).toEqual([]);
    expect(repaired.drafts.map((d) => d.title)).toEqual(["Repaired mug", "Edited plate"]);

    // The PO is whole again: its next events apply at once.
    expect(
      (await t.api(`/drafts/${broken.drafts[0]!.id}`, { method: "PATCH", headers: json, body: JSON.stringify({ title: "Mug again" }) }))
        .status,
    ).toBe(200);
    const after = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${broken.id}`, (b) => b.drafts[0]!.title === "Mug again");
    expect(after.quarantined).toEqual([]);
  });

  it("skips a PO's quarantined events on request, saying so in its stage log", async () => {
    const broken = await uploadComplete(3);
    const poisonId = await insertPoison(broken.id, broken.drafts[0]!.id);
    await t.eventually<PurchaseOrderBody>(`/purchase-orders/${broken.id}`, (b) => (b.quarantined ?? []).length === 1);

    const skipped = await admin(`/admin/projections/read-models/quarantine/${broken.id}/skip`, { method: "POST" });
    expect(await skipped.json()).toEqual({ projector: "read-models", purchaseOrderId: broken.id, skipped: 1 });
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${broken.id}`, (b) => b.status === "complete");
    expect(po.drafts[0]!.title).toBe("Mug 3");
    const stageLog = await t.system.store.readStream(`workflow-${broken.id}`);
    expect(stageLog.at(-1)).toMatchObject({
      type: "QuarantinedEventsSkipped",
      data: { consumer: "projection:read-models", events: [{ eventId: poisonId, eventType: "DraftUpdated" }], operator: "admin" },
    });
    expect((await admin(`/admin/projections/read-models/quarantine/${broken.id}/skip`, { method: "POST" })).status).toBe(404);
  });

  async function cliOutput(...args: string[]): Promise<string> {
    const lines: string[] = [];
    expect(await runCli(args, { ADMIN_KEY: adminKey, PO_PIPELINE_URL: t.baseUrl }, (line) => lines.push(line))).toBe(0);
    return lines.join("\n");
  }
});
