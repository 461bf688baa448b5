import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDeletionStorm } from "../../src/testing/deletionStorm.ts";
import { createTestDatabase } from "../support/database.ts";

describe(`deletion storm (${process.env.DATABASE_URL ? "Postgres server" : "PGlite"})`, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it("never gives a deleted draft an image, never hits a foreign key, and loses no live draft's images", async () => {
    const report = await runDeletionStorm(database);
    expect(report.drafts).toBe(1000);
    expect(report.deleted).toBeGreaterThan(300);
    expect(report.delete_failures).toBe(0);
    expect(report.fk_violations).toBe(0);
    expect(report.orphan_images).toBe(0);
    expect(report.images_attached_after_deletion).toBe(0);
    expect(report.live_drafts_missing_images).toBe(0);
    expect(report.deleted_without_outcome).toBe(0);
    expect(report.attached).toBeGreaterThan(0);
    expect(report.skipped).toBeGreaterThan(0);
  }, 240_000);
});
