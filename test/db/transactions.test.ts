import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/database.ts";

describe("Prisma interactive transactions", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  const purchaseOrder = (id: string) => ({
    id,
    merchantId: "m",
    fileName: "po.csv",
    contentType: "text/csv",
    sizeBytes: 1,
    sha256: "x",
    status: "parsed",
    uploadedAt: new Date(),
    updatedAt: new Date(),
  });

  it("commit every write together, and see their own writes before that", async () => {
    const id = randomUUID();
    const seenInside = await database.prisma.$transaction(async (tx) => {
      await tx.purchaseOrder.create({ data: purchaseOrder(id) });
      await tx.pOLineItem.create({ data: { purchaseOrderId: id, lineNumber: 1, merchantId: "m", title: "Widget", quantity: "2.5" } });
      await tx.checkpoint.upsert({
        where: { subscriber: "tx-test" },
        create: { subscriber: "tx-test", position: 7n },
        update: { position: 7n },
      });
      return tx.pOLineItem.count({ where: { purchaseOrderId: id } });
    });
    expect(seenInside).toBe(1);
    const lineItem = await database.prisma.pOLineItem.findUniqueOrThrow({
      where: { purchaseOrderId_lineNumber: { purchaseOrderId: id, lineNumber: 1 } },
    });
    expect(lineItem.quantity.toString()).toBe("2.5");
    expect((await database.prisma.checkpoint.findUniqueOrThrow({ where: { subscriber: "tx-test" } })).position).toBe(7n);
  });

  it("roll every write back when the callback throws", async () => {
    const id = randomUUID();
    const failing = database.prisma.$transaction(async (tx) => {
      await tx.purchaseOrder.create({ data: purchaseOrder(id) });
      throw new Error("changed my mind");
    });
    await expect(failing).rejects.toThrow("changed my mind");
    expect(await database.prisma.purchaseOrder.findUnique({ where: { id } })).toBeNull();
  });

  it("cascade a delete to children and grandchildren", async () => {
    const id = randomUUID();
    const draftId = randomUUID();
    const now = new Date();
    await database.prisma.$transaction(async (tx) => {
      await tx.purchaseOrder.create({ data: purchaseOrder(id) });
      await tx.productDraft.create({
        data: {
          id: draftId,
          merchantId: "m",
          purchaseOrderId: id,
          lineNumber: 1,
          title: "Widget",
          quantity: "1",
          revision: 1n,
          createdAt: now,
          updatedAt: now,
        },
      });
      await tx.productImage.create({
        data: { id: randomUUID(), draftId, merchantId: "m", url: "http://x/a.jpg", source: "test", position: 0, createdAt: now },
      });
    });
    await database.prisma.purchaseOrder.delete({ where: { id } });
    expect(await database.prisma.productImage.count({ where: { draftId } })).toBe(0);
  });
});
