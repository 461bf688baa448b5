import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import type { ProjectionTransaction } from "../../src/projections/projection.ts";
import { purchaseOrderTable as purchaseOrders } from "../../src/projections/purchaseOrders.ts";
import { RowBatch } from "../../src/projections/rowBatch.ts";
import { createTestDatabase } from "../support/database.ts";

const at = (second: number) => new Date(Date.UTC(2026, 11, 3, 10, 0, second));
const newRow = (id: string) => ({
  id,
  merchantId: "m",
  fileName: "po.csv",
  contentType: "text/csv",
  sizeBytes: 10,
  sha256: "x",
  status: "uploaded",
  uploadedAt: at(0),
  updatedAt: at(0),
});

describe("a row batch's updates", () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  /** Runs `fill` on a new batch and flushes it in a transaction, counting the statements sent. */
  async function flushed(fill: (rows: RowBatch) => void): Promise<number> {
    let statements = 0;
    await database.prisma.$transaction(async (tx) => {
      const counted = new Proxy(tx, {
        get: (target, property, receiver) => {
          if (property === "$executeRawUnsafe") statements++;
          return Reflect.get(target, property, receiver);
        },
      }) as ProjectionTransaction;
      const rows = new RowBatch();
      fill(rows);
      await rows.flush(counted);
    });
    return statements;
  }

  const row = (id: string) => database.prisma.purchaseOrder.findUniqueOrThrow({ where: { id } });

  it("go into the insert of a row the same batch creates: one statement", async () => {
    const id = randomUUID();
    const statements = await flushed((rows) => {
      rows.insert(purchaseOrders, newRow(id));
      rows.update(purchaseOrders, { id, status: "parsed", updatedAt: at(1) });
      rows.update(purchaseOrders, { id, status: "drafts_ready", updatedAt: at(2) });
    });
    expect(statements).toBe(1);
    expect(await row(id)).toMatchObject({ status: "drafts_ready", updatedAt: at(2), fileName: "po.csv" });
  });

  it("update rows written earlier, later updates of a row over earlier ones, in one statement", async () => {
    const [first, second] = [randomUUID(), randomUUID()];
    await flushed((rows) => [first, second].forEach((id) => rows.insert(purchaseOrders, newRow(id))));
    const statements = await flushed((rows) => {
      rows.update(purchaseOrders, { id: first, status: "publishing", updatedAt: at(3) });
      rows.update(purchaseOrders, { id: second, status: "publishing", updatedAt: at(3) });
      rows.update(purchaseOrders, { id: first, status: "published", updatedAt: at(4) });
    });
    expect(statements).toBe(1);
    expect(await row(first)).toMatchObject({ status: "published", updatedAt: at(4) });
    expect(await row(second)).toMatchObject({ status: "publishing", updatedAt: at(3) });
  });

  it("fail the batch when a row to update is not there, writing none of it", async () => {
    const [present, missing] = [randomUUID(), randomUUID()];
    await flushed((rows) => rows.insert(purchaseOrders, newRow(present)));
    await expect(
      flushed((rows) => {
        rows.update(purchaseOrders, { id: present, status: "complete", updatedAt: at(5) });
        rows.update(purchaseOrders, { id: missing, status: "complete", updatedAt: at(5) });
      }),
    ).rejects.toThrow("1 of the PurchaseOrder rows to update are not there");
    expect(await row(present)).toMatchObject({ status: "uploaded" });
  });
});
