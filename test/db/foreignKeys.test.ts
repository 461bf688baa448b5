import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isForeignKeyViolation } from "../../src/db/errors.ts";
import { createTestDatabase } from "../support/database.ts";

const purchaseOrder = () => ({
  id: randomUUID(),
  merchantId: "m",
  fileName: "po.csv",
  contentType: "text/csv",
  sizeBytes: 1,
  sha256: "x",
  status: "parsed",
  uploadedAt: new Date(),
  updatedAt: new Date(),
});

const rejection = (promise: PromiseLike<unknown>) =>
  Promise.resolve(promise).then(
    () => expect.fail("expected the database to refuse"),
    (error: unknown) => error,
  );

describe("foreign-key violations", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it("are recognised as Prisma surfaces them, from model calls and raw SQL, and counted", async () => {
    const image = {
      id: randomUUID(),
      draftId: randomUUID(),
      merchantId: "m",
      url: "http://x/a.jpg",
      source: "test",
      position: 0,
      createdAt: new Date(),
    };
    const fromModelCall = await rejection(database.prisma.productImage.create({ data: image }));
    expect(fromModelCall).toMatchObject({ code: "P2003" });
    expect(isForeignKeyViolation(fromModelCall)).toBe(true);
    const fromRawSql = await rejection(
      database.prisma
        .$executeRaw`INSERT INTO "ProductImage" (id, "draftId", "merchantId", url, source, position, "createdAt") VALUES (${image.id}::uuid, ${image.draftId}::uuid, 'm', 'u', 's', 0, now())`,
    );
    expect(fromRawSql).toMatchObject({ code: "P2010" });
    expect(isForeignKeyViolation(fromRawSql)).toBe(true);
    expect(database.foreignKeyViolations()).toBe(2);
  });

  it("are told from a RESTRICT violation too", async () => {
    const po = purchaseOrder();
    await database.prisma.purchaseOrder.create({ data: po });
    await database.prisma.$executeRawUnsafe(
      `CREATE TABLE "RestrictProbe" ("purchaseOrderId" UUID REFERENCES "PurchaseOrder"(id) ON DELETE RESTRICT)`,
    );
    try {
      await database.prisma.$executeRawUnsafe(`INSERT INTO "RestrictProbe" VALUES ('${po.id}')`);
      const error = await rejection(database.prisma.purchaseOrder.delete({ where: { id: po.id } }));
      expect(error).toMatchObject({ code: "P2003" });
      expect(isForeignKeyViolation(error)).toBe(true);
    } finally {
      await database.prisma.$executeRawUnsafe(`DROP TABLE "RestrictProbe"`);
    }
  });

  it("are not confused with other constraint violations, even ones Prisma also reports as P2039", async () => {
    const po = purchaseOrder();
    await database.prisma.purchaseOrder.create({ data: po });
    const duplicate = await rejection(database.prisma.purchaseOrder.create({ data: po }));
    expect(isForeignKeyViolation(duplicate)).toBe(false);
    await database.prisma.$executeRawUnsafe(`ALTER TABLE "PurchaseOrder" ADD CONSTRAINT "probe_size_check" CHECK ("sizeBytes" >= 0)`);
    try {
      const check = await rejection(database.prisma.purchaseOrder.update({ where: { id: po.id }, data: { sizeBytes: -1 } }));
      expect(check).toMatchObject({ code: "P2039" });
      expect(isForeignKeyViolation(check)).toBe(false);
    } finally {
      await database.prisma.$executeRawUnsafe(`ALTER TABLE "PurchaseOrder" DROP CONSTRAINT "probe_size_check"`);
    }
    expect(isForeignKeyViolation(new Error("P2003"))).toBe(false);
  });
});
