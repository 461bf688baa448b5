import { describe, expect, it } from "vitest";
import { fold } from "../../src/domain/decider.ts";
import { DomainRuleViolation, NotFound } from "../../src/errors.ts";
import { productDraftDecider } from "../../src/domain/productDraft.ts";
import { type ProductDraftEvent } from "../../src/domain/productDraftEvents.ts";
import { changedSincePublish, productHandle } from "../../src/domain/publication.ts";
import { purchaseOrderDecider, type PurchaseOrderCommand, type PurchaseOrderEvent } from "../../src/domain/purchaseOrder.ts";
import { completion, publishing } from "../../src/processmanagers/publishing.ts";
import { deciderSpec, processManagerSpec } from "../../src/testing/givenWhenThen.ts";

const purchaseOrderId = "0b9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const draftId = "1c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const otherDraftId = "2c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const requestId = "3c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const line = { lineNumber: 4, sku: "AO-TENT-2P", title: "Tent", quantity: 3, unitCost: 10 };
const draft = { ...line, draftId, purchaseOrderId, merchantId: "m1" };
const created: ProductDraftEvent = { type: "DraftCreated", data: draft };
const product = {
  shop: "m1.myshopify.com",
  productId: "gid://shopify/Product/1",
  variantId: "gid://shopify/ProductVariant/2",
  handle: "tent",
};
const published: ProductDraftEvent = { type: "ProductPublished", data: { draftId, requestId, product, basedOnEdit: 0 } };
const edited: ProductDraftEvent = { type: "DraftUpdated", data: { draftId, changes: { title: "Tent, 2P" } } };
const drafts = deciderSpec(productDraftDecider);

describe("a draft's publication", () => {
  it("is asked for by the draft's merchant only", () => {
    drafts
      .given([created])
      .when({ type: "RequestDraftPublish", data: { draftId, merchantId: "m1", requestId } })
      .then([{ type: "DraftPublishRequested", data: { draftId, requestId } }]);
    drafts
      .given([created])
      .when({ type: "RequestDraftPublish", data: { draftId, merchantId: "m2", requestId } })
      .thenThrows(NotFound);
  });

  it("records the store's product once, however often the answer is redelivered", () => {
    drafts.given([created]).when({ type: "RecordProductPublished", data: published.data }).then([published]);
    drafts.given([created, published]).when({ type: "RecordProductPublished", data: published.data }).then([]);
  });

  it("never lands on a deleted draft", () => {
    drafts
      .given([created, { type: "DraftDeleted", data: { draftId } }])
      .when({ type: "RecordProductPublished", data: published.data })
      .thenThrows(NotFound);
  });

  it("is changed since publish after an edit, whether the edit came after the product or while it was being made", () => {
    const state = (events: ProductDraftEvent[]) => {
      const folded = fold(productDraftDecider, events);
      return folded.status === "none" ? undefined : changedSincePublish(folded.publication, folded.edits);
    };
    expect(state([created, published])).toBe(false);
    expect(state([created, published, edited])).toBe(true);
    // Built from the draft before the edit, recorded after it.
    expect(state([created, edited, published])).toBe(true);
    const republished: ProductDraftEvent = { type: "ProductPublished", data: { ...published.data, requestId: draftId, basedOnEdit: 1 } };
    expect(state([created, published, edited, republished])).toBe(false);
  });

  it("can be skipped, once, unless it is already in the store", () => {
    const skip = { type: "SkipDraftPublish", data: { draftId, merchantId: "m1" } } as const;
    drafts
      .given([created])
      .when(skip)
      .then([{ type: "DraftPublishSkipped", data: { draftId } }]);
    drafts
      .given([created, { type: "DraftPublishSkipped", data: { draftId } }])
      .when(skip)
      .then([]);
    drafts.given([created, published]).when(skip).thenThrows(DomainRuleViolation, "already in the store");
  });

  it("names its product by a handle fixed at creation: the title's slug and the draft id", () => {
    expect(productHandle("Sleeping Bag, 0°C", draftId)).toBe(`sleeping-bag-0-c-${draftId}`);
    expect(productHandle("!!!", draftId)).toBe(`draft-${draftId}`);
    const renamed = fold(productDraftDecider, [created, edited]);
    expect(renamed.status !== "none" && renamed.handle).toBe(`tent-${draftId}`);
  });
});

const uploaded: PurchaseOrderEvent = {
  type: "PurchaseOrderUploaded",
  data: {
    purchaseOrderId,
    merchantId: "m1",
    fileName: "po.csv",
    contentType: "text/csv",
    sizeBytes: 10,
    sha256: "0".repeat(64),
    uploadedAt: "2026-12-01T00:00:00.000Z",
  },
};
const parsed: PurchaseOrderEvent = {
  type: "PurchaseOrderParsed",
  data: { purchaseOrderId, lineItems: [line, { ...line, lineNumber: 5 }] },
};
const draftsCreated: PurchaseOrderEvent = {
  type: "DraftsCreated",
  data: {
    purchaseOrderId,
    drafts: [
      { ...line, draftId },
      { ...line, lineNumber: 5, draftId: otherDraftId },
    ],
  },
};
const requested: PurchaseOrderEvent = {
  type: "PurchaseOrderPublishRequested",
  data: { purchaseOrderId, requestId, draftIds: [draftId, otherDraftId], requestedBy: "merchant:m1" },
};
const settled = (id: string, outcome: "published" | "skipped" | "deleted"): PurchaseOrderEvent => ({
  type: "DraftPublicationSettled",
  data: { purchaseOrderId, draftId: id, outcome },
});
const pos = deciderSpec(purchaseOrderDecider);
const ready = [uploaded, parsed, draftsCreated];

describe("a purchase order's publication", () => {
  it("is asked for the PO's live drafts, by its merchant, once at a time", () => {
    const request: PurchaseOrderCommand = {
      type: "RequestPublish",
      data: { merchantId: "m1", requestId, draftIds: [draftId, otherDraftId], requestedBy: "merchant:m1" },
    };
    pos.given(ready).when(request).then([requested]);
    pos
      .given(ready)
      .when({ ...request, data: { ...request.data, merchantId: "m2" } })
      .thenThrows(NotFound);
    pos
      .given([...ready, requested])
      .when(request)
      .thenThrows(DomainRuleViolation, "already being published");
    pos
      .given(ready)
      .when({ ...request, data: { ...request.data, draftIds: [] } })
      .thenThrows(DomainRuleViolation, "no live draft");
    pos
      .given(ready)
      .when({ ...request, data: { ...request.data, draftIds: [requestId] } })
      .thenThrows(DomainRuleViolation, "not a draft of this");
  });

  it("records each draft's settlement once, and only for a draft its request named", () => {
    const settle = (id: string, outcome: "published" | "deleted") =>
      ({ type: "SettleDraftPublication", data: { draftId: id, outcome } }) as const;
    pos
      .given([...ready, requested])
      .when(settle(draftId, "published"))
      .then([settled(draftId, "published")]);
    pos
      .given([...ready, requested, settled(draftId, "published")])
      .when(settle(draftId, "published"))
      .then([]);
    // Published, then deleted: the store no longer has it.
    pos
      .given([...ready, requested, settled(draftId, "published")])
      .when(settle(draftId, "deleted"))
      .then([settled(draftId, "deleted")]);
    // Outside a request there is nothing to settle.
    pos.given(ready).when(settle(draftId, "published")).then([]);
  });

  it("is published and complete once every draft its request named is settled, with what became of them", () => {
    const complete = { type: "CompletePurchaseOrder", data: {} } as const;
    const done = [...ready, requested, settled(draftId, "published"), settled(otherDraftId, "skipped")];
    const completed: PurchaseOrderEvent = {
      type: "PurchaseOrderCompleted",
      data: { purchaseOrderId, requestId, published: 1, skipped: 1, deleted: 0 },
    };
    pos
      .given([...ready, requested, settled(draftId, "published")])
      .when(complete)
      .then([]);
    pos
      .given(done)
      .when(complete)
      .then([{ type: "PurchaseOrderPublished", data: { purchaseOrderId, requestId } }, completed]);
    pos
      .given([...done, { type: "PurchaseOrderPublished", data: { purchaseOrderId, requestId } }, completed])
      .when(complete)
      .then([]);
  });
});

describe("the publishing reactions", () => {
  const routing = { purchaseOrderId, merchantId: "m1", subjectId: draftId };
  it("publishes every draft a PO's request names, each on its own subject", () => {
    processManagerSpec(publishing)
      .when(requested, { merchantId: "m1" })
      .then([
        { type: "PublishDraft", stage: "publish", ...routing, draftId, requestId },
        { type: "PublishDraft", stage: "publish", ...routing, subjectId: otherDraftId, draftId: otherDraftId, requestId },
      ]);
  });

  it("publishes a draft asked for on its own, settles a skip and withdraws a deleted draft's product", () => {
    const metadata = { merchantId: "m1", correlationId: purchaseOrderId };
    processManagerSpec(publishing)
      .when({ type: "DraftPublishRequested", data: { draftId, requestId } }, metadata)
      .then([{ type: "PublishDraft", stage: "publish", ...routing, draftId, requestId }]);
    processManagerSpec(publishing)
      .when({ type: "DraftPublishSkipped", data: { draftId } }, metadata)
      .then([{ type: "SettleSkippedDraft", stage: "publish", ...routing, draftId }]);
    processManagerSpec(publishing)
      .when({ type: "DraftDeleted", data: { draftId } }, metadata)
      .then([{ type: "WithdrawDraftProduct", stage: "publish", ...routing, draftId }]);
  });

  it("checks whether the PO is complete after each settlement", () => {
    processManagerSpec(completion)
      .when(settled(draftId, "published"), { merchantId: "m1" })
      .then([{ type: "CompletePurchaseOrder", stage: "complete", purchaseOrderId, merchantId: "m1", subjectId: "" }]);
  });
});
