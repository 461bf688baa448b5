import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminKey, startTestSystem, type TestSystem } from "../support/system.ts";

type PurchaseOrderBody = {
  status: string;
  drafts: { id: string; images: unknown[] }[];
  quarantined?: { consumer: string; eventType: string; error: string }[];
};
type ProcessorStatus = { name: string; quarantinedEvents: number };

const csv = (n: number) => `SKU,Title,Qty\nAO-TENT-2P,Trail tent ${n},1\nAO-TENT-4P,Basecamp tent ${n},4\n`;

describe("a purchase order whose DraftsCreated is poison, written into the log with SQL", () => {
  let t: TestSystem;
  const admin = (path: string, init: RequestInit = {}) => t.api(path, { ...init, as: { key: adminKey } });

  /** A copy of a real PO's events under new ids, as a bug or a hand edit would write them, past the store's validation; its DraftsCreated broken. */
  async function clonePurchaseOrderWithPoison(sourceId: string): Promise<{ id: string; poisonId: string; repaired: object }> {
    const events = (await t.system.store.readAll()).filter(
      (event) => event.metadata.correlationId === sourceId && !event.type.startsWith("Image") && event.type !== "ReviewSessionOpened",
    );
    const renames = new Map<string, string>([[sourceId, randomUUID()]]);
    for (const event of events) if (event.type === "DraftCreated") renames.set(event.streamName.slice("draft-".length), randomUUID());
    const rename = (text: string) => [...renames].reduce((renamed, [from, to]) => renamed.replaceAll(from, to), text);
    let poisonId = "";
    let repaired: object = {};
    await t.database.prisma.$transaction(async (tx) => {
      for (const event of events.filter((e) => e.streamName.startsWith("po-") || e.streamName.startsWith("draft-"))) {
        const id = randomUUID();
        let data = JSON.parse(rename(JSON.stringify(event.data))) as { drafts?: { title: unknown }[] };
        if (event.type === "DraftsCreated") {
          poisonId = id;
          repaired = data;
          data = { ...data, drafts: data.drafts!.map((draft, index) => (index === 0 ? { ...draft, title: 42 } : draft)) };
        }
        await tx.$executeRawUnsafe(
          "INSERT INTO event_log (stream_name, stream_revision, event_id, event_type, data, metadata) VALUES ($1, $2, $3::uuid, $4, $5::jsonb, $6::jsonb)",
          rename(event.streamName),
          event.revision,
          id,
          event.type,
          JSON.stringify(data),
          rename(JSON.stringify(event.metadata)),
        );
      }
    });
    return { id: renames.get(sourceId)!, poisonId, repaired };
  }

  beforeAll(async () => {
    t = await startTestSystem();
  });
  afterAll(() => t.stop());

  it("is quarantined by every consumer it reaches, the process stays up and other POs go through; retries after the repair finish it", async () => {
    const { id: sourceId } = (await (await t.upload("source.csv", csv(1))).json()) as { id: string };
    await t.eventually<PurchaseOrderBody>(`/purchase-orders/${sourceId}`, (b) => b.status === "complete");
    const poison = await clonePurchaseOrderWithPoison(sourceId);

    const quarantined = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${poison.id}`, (b) => (b.quarantined ?? []).length >= 2);
    expect(quarantined.status).toBe("quarantined");
    expect(quarantined.quarantined!.map((q) => q.consumer).sort()).toEqual(["processor:image-search", "projection:read-models"]);
    expect(quarantined.quarantined!.every((q) => q.eventType === "DraftsCreated" && /drafts\.0\.title/.test(q.error))).toBe(true);

    const { id: otherId } = (await (await t.upload("other.csv", csv(2))).json()) as { id: string };
    const other = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${otherId}`, (b) => b.status === "complete");
    expect(other.drafts.every((draft) => draft.images.length > 0)).toBe(true);
    const processors = ((await (await admin("/admin/processors")).json()) as { processors: ProcessorStatus[] }).processors;
    expect(processors.find((p) => p.name === "image-search")?.quarantinedEvents).toBe(1);

    await t.database.prisma.$executeRawUnsafe(
      "UPDATE event_log SET data = $1::jsonb WHERE event_id = $2::uuid",
      JSON.stringify(poison.repaired),
      poison.poisonId,
    );
    expect((await admin(`/admin/projections/read-models/quarantine/${poison.id}/retry`, { method: "POST" })).status).toBe(200);
    expect(await (await admin(`/admin/processors/image-search/quarantine/${poison.id}/retry`, { method: "POST" })).json()).toEqual({
      processor: "image-search",
      purchaseOrderId: poison.id,
      retried: 1,
    });
    const finished = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${poison.id}`, (b) => b.status === "complete");
    expect(finished.quarantined).toEqual([]);
    expect(finished.drafts).toHaveLength(2);
    expect(finished.drafts.every((draft) => draft.images.length > 0)).toBe(true);
  });
});
