import { describe, it } from "vitest";
import { NotFound } from "../../src/errors.ts";
import { productDraftDecider } from "../../src/domain/productDraft.ts";
import { type ProductDraftEvent } from "../../src/domain/productDraftEvents.ts";
import { reviewSessionDecider } from "../../src/domain/reviewSession.ts";
import { deciderSpec } from "../../src/testing/givenWhenThen.ts";

const draftId = "1c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const purchaseOrderId = "0b9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const front = "2c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e61";
const side = "2c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e62";
const searchId = "3c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const merchantId = "m1";

const created: ProductDraftEvent = {
  type: "DraftCreated",
  data: { draftId, purchaseOrderId, merchantId, lineNumber: 2, sku: "AO-TENT-2P", title: "Tent", quantity: 1, unitCost: null },
};
const images = [front, side].map((imageId) => ({ imageId, url: `/img/${imageId}.svg`, source: "catalog" }));
const attached: ProductDraftEvent = { type: "ImagesAttached", data: { draftId, searchId, source: "catalog", images } };
const approved = (imageId: string): ProductDraftEvent => ({ type: "ImageApproved", data: { draftId, imageId } });
const rejected = (imageId: string): ProductDraftEvent => ({ type: "ImageRejected", data: { draftId, imageId } });
const primary = (imageId: string): ProductDraftEvent => ({ type: "PrimaryImageSelected", data: { draftId, imageId } });
const deleted: ProductDraftEvent = { type: "DraftDeleted", data: { draftId } };

const draft = deciderSpec(productDraftDecider);
const session = deciderSpec(reviewSessionDecider);

describe("reviewing a draft's images", () => {
  it("approves an attached image once", () => {
    draft
      .given([created, attached])
      .when({ type: "ApproveImage", data: { draftId, imageId: front, merchantId } })
      .then([approved(front)]);
    draft
      .given([created, attached, approved(front)])
      .when({ type: "ApproveImage", data: { draftId, imageId: front, merchantId } })
      .then([]);
  });

  it("rejects an image, with the reviewer's reason", () => {
    draft
      .given([created, attached])
      .when({ type: "RejectImage", data: { draftId, imageId: side, merchantId, reason: "blurry" } })
      .then([{ type: "ImageRejected", data: { draftId, imageId: side, reason: "blurry" } }]);
  });

  it("makes an image primary, approving it if nobody had", () => {
    draft
      .given([created, attached])
      .when({ type: "SelectPrimaryImage", data: { draftId, imageId: side, merchantId } })
      .then([approved(side), primary(side)]);
    draft
      .given([created, attached, approved(front)])
      .when({ type: "SelectPrimaryImage", data: { draftId, imageId: front, merchantId } })
      .then([primary(front)]);
    draft
      .given([created, attached, approved(side), primary(side)])
      .when({ type: "SelectPrimaryImage", data: { draftId, imageId: side, merchantId } })
      .then([]);
  });

  it("a rejected primary image is no longer primary, so choosing it again records it again", () => {
    draft
      .given([created, attached, approved(side), primary(side), rejected(side)])
      .when({ type: "SelectPrimaryImage", data: { draftId, imageId: side, merchantId } })
      .then([approved(side), primary(side)]);
  });

  it("approves only the images nobody has decided on", () => {
    draft
      .given([created, attached, rejected(front)])
      .when({ type: "ApproveUndecidedImages", data: { draftId, merchantId } })
      .then([approved(side)]);
    draft.given([created]).when({ type: "ApproveUndecidedImages", data: { draftId, merchantId } }).then([]);
  });

  it("knows no image that was not attached, and no draft of another merchant or deleted", () => {
    draft
      .given([created])
      .when({ type: "ApproveImage", data: { draftId, imageId: front, merchantId } })
      .thenThrows(NotFound, `Image ${front}`);
    draft
      .given([created, attached])
      .when({ type: "ApproveImage", data: { draftId, imageId: front, merchantId: "m2" } })
      .thenThrows(NotFound, `Draft ${draftId}`);
    draft
      .given([created, attached, deleted])
      .when({ type: "RejectImage", data: { draftId, imageId: front, merchantId } })
      .thenThrows(NotFound, `Draft ${draftId}`);
    draft.given([created, attached, deleted]).when({ type: "ApproveUndecidedImages", data: { draftId, merchantId } }).thenThrows(NotFound);
  });
});

describe("a PO's review session", () => {
  const opened = { type: "ReviewSessionOpened" as const, data: { purchaseOrderId, merchantId } };

  it("opens once, however many drafts' images ask for it", () => {
    session.given([]).when({ type: "OpenReviewSession", data: { purchaseOrderId, merchantId } }).then([opened]);
    session.given([opened]).when({ type: "OpenReviewSession", data: { purchaseOrderId, merchantId } }).then([]);
  });

  it("completes once, by its merchant", () => {
    const complete = {
      type: "CompleteReview" as const,
      data: { purchaseOrderId, merchantId, reviewer: { kind: "merchant" as const, id: "m1" } },
    };
    session
      .given([opened])
      .when(complete)
      .then([{ type: "ReviewCompleted", data: complete.data }]);
    session
      .given([opened, { type: "ReviewCompleted", data: complete.data }])
      .when(complete)
      .then([]);
    session
      .given([opened])
      .when({ ...complete, data: { ...complete.data, merchantId: "m2" } })
      .thenThrows(NotFound);
    session.given([]).when(complete).thenThrows(NotFound, "Review session");
  });
});
