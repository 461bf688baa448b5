import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isForeignKeyViolation } from "../../src/db/errors.ts";
import { createTestDatabase } from "../support/database.ts";

describe("foreign-key violations", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it("are recognised as they surface from Prisma on this database", async () => {
    const orphan = database.prisma.productImage.create({
      data: { id: randomUUID(), draftId: randomUUID(), merchantId: "m", url: "http://x/a.jpg", source: "test", position: 0, createdAt: new Date() },
    });
    const error = await orphan.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(isForeignKeyViolation(error)).toBe(true);
    expect(database.foreignKeyViolations()).toBe(1);
  });

  it("are not confused with other errors", async () => {
    const id = randomUUID();
    const po = { id, merchantId: "m", fileName: "f", contentType: "text/csv", sizeBytes: 1, sha256: "x", status: "s", uploadedAt: new Date(), updatedAt: new Date() };
    await database.prisma.purchaseOrder.create({ data: po });
    const duplicate = await database.prisma.purchaseOrder.create({ data: po }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(duplicate).toBeDefined();
    expect(isForeignKeyViolation(duplicate)).toBe(false);
    expect(isForeignKeyViolation(new Error("P2003"))).toBe(false);
    expect(database.foreignKeyViolations()).toBe(1);
  });
});
