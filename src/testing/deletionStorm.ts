import { pino } from "pino";
import type { Database } from "../db/database.ts";
import { createSystem, type ExternalEventLog } from "../system.ts";
import { FakeImageSearch } from "./fakeImageSearch.ts";

export type StormSettings = {
  purchaseOrders: number;
  linesPerOrder: number;
  deleteFraction: number;
  maxLatencyMs: number;
  deleteWithinMs: number;
};

export const defaultStorm: StormSettings = {
  purchaseOrders: 20,
  linesPerOrder: 50,
  deleteFraction: 0.4,
  maxLatencyMs: 200,
  deleteWithinMs: 8_000,
};

type DraftView = { id: string; sku: string | null; title: string; images: { url: string }[] };
type PurchaseOrderView = { status: string; drafts: DraftView[]; stages: { stage: string; subjectId: string | null; status: string }[] };

const merchant = { merchantId: "storm", key: "storm-merchant-key" };

/**
 * Uploads POs, then deletes a random share of their drafts at random moments while image search
 * (random latency) and attachment run, and reports what the invariants need: foreign-key errors,
 * images on deleted drafts (in the read model and in the log), and each draft's outcome.
 */
export async function runDeletionStorm(database: Database, settings: StormSettings = defaultStorm, eventLog?: ExternalEventLog) {
  const system = await createSystem({
    database,
    eventLog,
    logger: pino({ level: process.env.STORM_LOG_LEVEL ?? "silent" }),
    apiKeys: [merchant],
    keySecret: { value: Buffer.from("storm-api-key-secret") },
    adminKey: "storm-admin-key",
    maxUploadBytes: 5 * 1024 * 1024,
    imageSearch: new FakeImageSearch({ minLatencyMs: 0, maxLatencyMs: settings.maxLatencyMs }),
    imageSearchCacheTtlMs: 0,
    processors: { concurrency: 8, retryBaseDelayMs: 50 },
  });
  const baseUrl = await system.app.listen({ port: 0, host: "127.0.0.1" });
  const headers = { authorization: `Bearer ${merchant.key}` };
  const get = async <T>(path: string) => (await (await fetch(`${baseUrl}${path}`, { headers })).json()) as T;
  const started = performance.now();
  try {
    const ids: string[] = [];
    for (let n = 0; n < settings.purchaseOrders; n++) {
      const lines = Array.from({ length: settings.linesPerOrder }, (_, i) => `STORM-${n}-${i},Storm item ${n} ${i},${1 + (i % 5)},${i}.25`);
      const form = new FormData();
      form.append("file", new Blob([["SKU,Title,Qty,Unit Cost", ...lines].join("\n")], { type: "text/csv" }), `storm-${n}.csv`);
      const response = await fetch(`${baseUrl}/purchase-orders`, { method: "POST", body: form, headers });
      ids.push(((await response.json()) as { id: string }).id);
    }
    // Each PO's deleter starts as soon as its drafts are visible, so deletions race the image work.
    const doomed: DraftView[] = [];
    const drafts: DraftView[] = [];
    const deletions = (
      await Promise.all(
        ids.map(async (id) => {
          const po = await waitFor(
            () => get<PurchaseOrderView>(`/purchase-orders/${id}`),
            (view) => view.drafts.length === settings.linesPerOrder,
          );
          drafts.push(...po.drafts);
          const victims = po.drafts.filter(() => Math.random() < settings.deleteFraction);
          doomed.push(...victims);
          return Promise.all(
            victims.map(async (draft) => {
              await new Promise((resolve) => setTimeout(resolve, Math.random() * settings.deleteWithinMs));
              return (await fetch(`${baseUrl}/drafts/${draft.id}`, { method: "DELETE", headers })).status;
            }),
          );
        }),
      )
    ).flat();

    const readOrders = () => Promise.all(ids.map((id) => get<PurchaseOrderView>(`/purchase-orders/${id}`)));
    await waitFor(readOrders, (views) => views.every((po) => po.status === "complete"));
    const elapsedMs = performance.now() - started;
    // What is counted below is the read models' final state: every projector past the last event.
    const head = await system.store.headPosition();
    if (head !== undefined) await system.projected(head);
    const orders = await readOrders();

    const deletedIds = new Set(doomed.map((d) => d.id));
    const liveDrafts = orders.flatMap((po) => po.drafts);
    const orphanImages = await database.prisma.productImage.count({ where: { draftId: { in: [...deletedIds] } } });
    const imagesAfterDeletion = await countImagesAttachedAfterDeletion(system.store, [...deletedIds]);
    const missingImages = liveDrafts.filter((d) => {
      const expected = FakeImageSearch.expectedHits({ sku: d.sku, title: d.title }).map((h) => h.url);
      return JSON.stringify(d.images.map((i) => i.url)) !== JSON.stringify(expected);
    });
    const stages = orders.flatMap((po) => po.stages);
    const outcomeOf = (draftId: string) =>
      stages.find((s) => s.subjectId === draftId && s.stage === "attach_images" && s.status !== "running") ??
      stages.find((s) => s.subjectId === draftId && s.stage === "search_images" && s.status === "skipped");
    const deletedWithoutOutcome = [...deletedIds].filter((id) => !outcomeOf(id));
    const skipped = stages.filter((s) => s.status === "skipped" && deletedIds.has(s.subjectId ?? "")).length;

    return {
      drafts: drafts.length,
      deleted: deletions.filter((status) => status === 204).length,
      delete_failures: deletions.filter((status) => status !== 204).length,
      attached: liveDrafts.filter((d) => d.images.length > 0).length,
      skipped,
      fk_violations: database.foreignKeyViolations(),
      orphan_images: orphanImages,
      images_attached_after_deletion: imagesAfterDeletion,
      live_drafts_missing_images: missingImages.length,
      deleted_without_outcome: deletedWithoutOutcome.length,
      elapsed_ms: Math.round(elapsedMs),
    };
  } finally {
    await system.stop();
  }
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Straight from the log: an ImagesAttached that follows a DraftDeleted in the same stream. */
async function countImagesAttachedAfterDeletion(store: { readStream(name: string): Promise<{ type: string }[]> }, draftIds: string[]) {
  let count = 0;
  for (const id of draftIds) {
    const types = (await store.readStream(`draft-${id}`)).map((e) => e.type);
    const deletedAt = types.indexOf("DraftDeleted");
    if (deletedAt !== -1 && types.slice(deletedAt).includes("ImagesAttached")) count++;
  }
  return count;
}
