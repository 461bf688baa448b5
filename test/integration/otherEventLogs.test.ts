import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDeletionStorm } from "../../src/testing/deletionStorm.ts";
import { createTestDatabase } from "../support/database.ts";
import { otherEventLogs, type OpenedEventLog } from "../support/eventLogs.ts";
import { expectNoDeletedDraftGotAnImage } from "../support/stormInvariants.ts";
import { startTestSystem, type TestSystem } from "../support/system.ts";

type PurchaseOrder = { status: string; drafts: { id: string; title: string; images: unknown[] }[] };

// The same end-to-end runs as on the database's own log, on every other log.
for (const log of otherEventLogs) {
  describe(`the pipeline on the ${log.name}`, () => {
    let opened: OpenedEventLog;
    let t: TestSystem;
    beforeAll(async () => {
      opened = await log.open();
      t = await startTestSystem({ eventLog: opened.eventLog });
    });
    afterAll(async () => {
      await t?.stop();
      await opened?.dispose();
    });

    it("takes an upload to drafts with images, opens the review, and lets a draft be deleted", async () => {
      const upload = await t.upload("acme-outdoor.csv", await readFile("samples/acme-outdoor.csv"));
      expect(upload.status).toBe(202);
      const { id } = (await upload.json()) as { id: string };
      const po = await t.eventually<PurchaseOrder>(`/purchase-orders/${id}`, (b) => b.status === "complete");
      expect(po.drafts).toHaveLength(8);
      expect(po.drafts.every((d) => d.images.length > 0)).toBe(true);
      await t.eventually<{ status: string }>(`/purchase-orders/${id}/review`, (r) => r.status === "open");
      expect((await t.api(`/drafts/${po.drafts[0]!.id}`, { method: "DELETE" })).status).toBe(204);
      const after = await t.eventually<PurchaseOrder>(`/purchase-orders/${id}`, (b) => b.drafts.length === 7);
      expect(after.status).toBe("complete");
    }, 60_000);
  });

  describe(`deletion storm on the ${log.name}`, () => {
    it("never gives a deleted draft an image, never hits a foreign key, and loses no live draft's images", async () => {
      const opened = await log.open();
      const database = await createTestDatabase();
      try {
        const storm = { purchaseOrders: 6, linesPerOrder: 40, deleteFraction: 0.4, maxLatencyMs: 150, deleteWithinMs: 3_000 };
        const report = await runDeletionStorm(database, storm, opened.eventLog);
        expect(report.drafts).toBe(240);
        expect(report.deleted).toBeGreaterThan(50);
        expectNoDeletedDraftGotAnImage(report);
      } finally {
        await database.close();
        await opened.dispose();
      }
    }, 180_000);
  });
}
