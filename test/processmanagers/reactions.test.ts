import { describe, it } from "vitest";
import { draftCreation } from "../../src/processmanagers/draftCreation.ts";
import { purchaseOrderParsing } from "../../src/processmanagers/purchaseOrderParsing.ts";
import { reviewOpening } from "../../src/processmanagers/reviewOpening.ts";
import { processManagerSpec } from "../../src/testing/givenWhenThen.ts";

const purchaseOrderId = "0b9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const sha256 = "b".repeat(64);

describe("process manager reactions", () => {
  it("parses a purchase order when it is uploaded", () => {
    processManagerSpec(purchaseOrderParsing)
      .when({
        type: "PurchaseOrderUploaded",
        data: { purchaseOrderId, merchantId: "m1", fileName: "a.csv", contentType: "text/csv", sizeBytes: 1, sha256, uploadedAt: "2026-01-01T00:00:00.000Z" },
      })
      .then([{ type: "ParsePurchaseOrder", stage: "parse", purchaseOrderId, merchantId: "m1", subjectId: "", sha256 }]);
  });

  it("creates drafts once a purchase order is parsed, for the merchant who owns it", () => {
    const lineItems = [{ lineNumber: 2, sku: null, title: "Mug", quantity: 1, unitCost: null }];
    processManagerSpec(draftCreation)
      .when({ type: "PurchaseOrderParsed", data: { purchaseOrderId, lineItems } }, { merchantId: "m7" })
      .then([{ type: "CreateDraftsForPurchaseOrder", stage: "create_drafts", purchaseOrderId, merchantId: "m7", subjectId: "" }]);
  });

  it("ignores events it does not handle", () => {
    processManagerSpec(draftCreation).when({ type: "DraftDeleted", data: { draftId: purchaseOrderId } }).then([]);
  });
});

describe("review opening", () => {
  it("asks to open the PO's review whenever a draft's images are attached", () => {
    const draftId = "1c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
    const images = [{ imageId: "2c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e61", url: "/a.svg", source: "catalog" }];
    processManagerSpec(reviewOpening)
      .when({ type: "ImagesAttached", data: { draftId, searchId: draftId, source: "catalog", images } }, { merchantId: "m1", correlationId: purchaseOrderId })
      .then([{ type: "OpenImageReview", stage: "open_review", purchaseOrderId, merchantId: "m1", subjectId: "" }]);
  });
});
