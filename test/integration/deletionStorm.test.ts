import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDeletionStorm } from "../../src/testing/deletionStorm.ts";
import { createTestDatabase, testDatabaseKind } from "../support/database.ts";
import { expectNoDeletedDraftGotAnImage } from "../support/stormInvariants.ts";

describe(`deletion storm (${testDatabaseKind})`, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it("never gives a deleted draft an image, never hits a foreign key, and loses no live draft's images", async () => {
    const report = await runDeletionStorm(database);
    expect(report.drafts).toBe(1000);
    expect(report.deleted).toBeGreaterThan(300);
    expectNoDeletedDraftGotAnImage(report);
    expect(report.attached).toBeGreaterThan(0);
    expect(report.skipped).toBeGreaterThan(0);
  }, 240_000);
});
