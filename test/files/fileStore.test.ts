import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/db/database.ts";
import { PrismaFileStore, sha256Of } from "../../src/files/fileStore.ts";
import { createTestDatabase } from "../support/database.ts";

describe("original uploads, kept by their content", () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it("keeps the same bytes once, under their sha256, as first stored, and gives them back whole", async () => {
    const files = new PrismaFileStore(database.prisma);
    const bytes = new Uint8Array([0, 1, 2, 255, 0x1f, 0x8b]);
    const first = await files.put(bytes, "text/csv");
    const again = await files.put(bytes, "application/octet-stream");
    expect([first, again]).toEqual([sha256Of(bytes), sha256Of(bytes)]);
    expect(await database.prisma.storedFile.count({ where: { sha256: first } })).toBe(1);
    expect(await files.get(first)).toEqual({ bytes, contentType: "text/csv" });
    expect(await files.get(sha256Of(new Uint8Array([9])))).toBeUndefined();
  });
});
