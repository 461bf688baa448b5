import { describe, expect, it } from "vitest";
import { TransientError } from "../../src/errors.ts";
import type { DomainEvent } from "../../src/domain/events.ts";
import { pipelineSpec } from "../../src/testing/pipelineSpec.ts";

const purchaseOrderId = "0b9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const draftId = "1c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const created: DomainEvent = {
  type: "DraftCreated",
  data: { draftId, purchaseOrderId, merchantId: "m1", lineNumber: 2, sku: "AO-TENT-2P", title: "Tent", quantity: 1, unitCost: 10 },
};
const deleted: DomainEvent = { type: "DraftDeleted", data: { draftId } };
const search = {
  type: "SearchDraftImages",
  stage: "search_images",
  purchaseOrderId,
  merchantId: "m1",
  subjectId: draftId,
  draftId,
} as const;
const stage = { purchaseOrderId, stage: "search_images", subjectId: draftId };

describe("image search, specified as given/when/then", () => {
  it("records what the search found on the draft's stream", async () => {
    await pipelineSpec({ search: { hits: ["https://img.test/tent.jpg"] } })
      .given([created])
      .when(search)
      .then([
        {
          type: "ImageSearchCompleted",
          data: { draftId, query: "AO-TENT-2P", provider: "scripted", images: [{ url: "https://img.test/tent.jpg", source: "scripted" }] },
        },
        { type: "StageStarted", data: { ...stage, attempt: 1 } },
        { type: "StageCompleted", data: stage },
      ]);
  });

  it("writes the result and its stage entries in one append, the draft's stream under its revision", async () => {
    const { appends } = await pipelineSpec({ search: { hits: ["https://img.test/tent.jpg"] } })
      .given([created])
      .when(search)
      .outcome();
    expect(appends).toEqual([["ImageSearchCompleted", "StageStarted", "StageCompleted"]]);
  });

  it("skips a draft deleted before its search", async () => {
    await pipelineSpec({ search: { hits: ["https://img.test/tent.jpg"] } })
      .given([created, deleted])
      .when(search)
      .then([{ type: "StageStarted" }, { type: "StageSkipped", data: { ...stage, reason: "draft deleted before its image search" } }]);
  });

  it("loses the race to a deletion during the search: the guarded append fails, the re-read sees the deletion", async () => {
    await pipelineSpec({ search: { hits: ["https://img.test/tent.jpg"], meanwhile: [deleted] } })
      .given([created])
      .when(search)
      .then([
        { type: "DraftDeleted" },
        { type: "StageStarted" },
        { type: "StageSkipped", data: { reason: "draft deleted during its image search" } },
      ]);
  });

  it("retries a 429 no sooner than Retry-After asks, on a virtual clock", async () => {
    const { clock, result } = await pipelineSpec({ search: { hits: [], failures: [new TransientError("429 from search", 7_000)] } })
      .given([created])
      .when(search)
      .outcome();
    expect(result).toEqual({ parked: false });
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(7_000);
  });

  it("parks after the last attempt, with the error, having logged each failure", async () => {
    const failures = [new Error("boom 1"), new Error("boom 2"), new Error("boom 3")];
    await pipelineSpec({ search: { failures } })
      .given([created])
      .when(search)
      .then([
        { type: "StageStarted", data: { attempt: 1 } },
        { type: "StageFailed", data: { attempt: 1, willRetry: true, error: "boom 1" } },
        { type: "StageStarted", data: { attempt: 2 } },
        { type: "StageFailed", data: { attempt: 2, willRetry: true } },
        { type: "StageStarted", data: { attempt: 3 } },
        { type: "StageFailed", data: { attempt: 3, willRetry: false, error: "boom 3" } },
      ]);
  });
});

describe("image attachment, specified as given/when/then", () => {
  const searchId = "2c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
  const found: DomainEvent = {
    type: "ImageSearchCompleted",
    data: {
      draftId,
      searchId,
      query: "AO-TENT-2P",
      provider: "catalog",
      images: [{ imageId: "3c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f", url: "/catalog/images/t.svg", source: "catalog" }],
    },
  };
  const attach = {
    type: "AttachDraftImages",
    stage: "attach_images",
    purchaseOrderId,
    merchantId: "m1",
    subjectId: draftId,
    draftId,
    searchId,
  } as const;

  it("attaches the images the search found", async () => {
    await pipelineSpec()
      .given([created, found])
      .when(attach)
      .then([
        { type: "ImagesAttached", data: { draftId, searchId, images: [{ url: "/catalog/images/t.svg" }] } },
        { type: "StageStarted" },
        { type: "StageCompleted" },
      ]);
  });

  it("never attaches to a deleted draft", async () => {
    await pipelineSpec()
      .given([created, found, deleted])
      .when(attach)
      .then([{ type: "StageStarted" }, { type: "StageSkipped", data: { reason: "draft deleted before its images were attached" } }]);
  });

  it("attaches once however often it is redelivered", async () => {
    const attached: DomainEvent = {
      type: "ImagesAttached",
      data: { draftId, searchId, source: "catalog", images: found.data.images },
    } as DomainEvent;
    await pipelineSpec()
      .given([created, found, attached])
      .when(attach)
      .then([{ type: "StageStarted" }, { type: "StageCompleted" }]);
  });
});
