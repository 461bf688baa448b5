import { describe, it } from "vitest";
import { imageSearch } from "../../src/processmanagers/imageSearch.ts";
import { reviewOpening } from "../../src/processmanagers/reviewOpening.ts";
import { processManagerSpec } from "../../src/testing/givenWhenThen.ts";

const purchaseOrderId = "0b9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";

describe("process manager reactions", () => {
  it("searches images for every draft a purchase order announces, for the merchant who owns it", () => {
    const drafts = ["1c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f", "2c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f"].map((draftId, i) => ({
      draftId,
      lineNumber: i + 2,
      sku: null,
      title: "Mug",
      quantity: 1,
      unitCost: null,
    }));
    processManagerSpec(imageSearch)
      .when({ type: "DraftsCreated", data: { purchaseOrderId, drafts } }, { merchantId: "m7" })
      .then(
        drafts.map(({ draftId }) => ({
          type: "SearchDraftImages",
          stage: "search_images",
          purchaseOrderId,
          merchantId: "m7",
          subjectId: draftId,
          draftId,
        })),
      );
  });

  it("ignores events it does not handle", () => {
    processManagerSpec(imageSearch)
      .when({ type: "DraftDeleted", data: { draftId: purchaseOrderId } })
      .then([]);
  });
});

describe("review opening", () => {
  it("asks to open the PO's review whenever a draft's images are attached", () => {
    const draftId = "1c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
    const images = [{ imageId: "2c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e61", url: "/a.svg", source: "catalog" }];
    processManagerSpec(reviewOpening)
      .when(
        { type: "ImagesAttached", data: { draftId, searchId: draftId, source: "catalog", images } },
        { merchantId: "m1", correlationId: purchaseOrderId },
      )
      .then([{ type: "OpenImageReview", stage: "open_review", purchaseOrderId, merchantId: "m1", subjectId: "" }]);
  });
});
