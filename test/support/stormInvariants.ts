import { expect } from "vitest";
import type { runDeletionStorm } from "../../src/testing/deletionStorm.ts";

/** What a deletion storm must never produce, on any database and any event log. */
export function expectNoDeletedDraftGotAnImage(report: Awaited<ReturnType<typeof runDeletionStorm>>) {
  expect(report.delete_failures).toBe(0);
  expect(report.fk_violations).toBe(0);
  expect(report.orphan_images).toBe(0);
  expect(report.images_attached_after_deletion).toBe(0);
  expect(report.live_drafts_missing_images).toBe(0);
  expect(report.deleted_without_outcome).toBe(0);
}
