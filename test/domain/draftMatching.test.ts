import { describe, expect, it } from "vitest";
import { fold } from "../../src/domain/decider.ts";
import { matchToUpdate } from "../../src/domain/draftInStore.ts";
import { productDraftDecider } from "../../src/domain/productDraft.ts";
import { type ProductDraftEvent } from "../../src/domain/productDraftEvents.ts";
import { DomainRuleViolation, NotFound } from "../../src/errors.ts";
import { productMatching } from "../../src/processmanagers/productMatching.ts";
import { deciderSpec, processManagerSpec } from "../../src/testing/givenWhenThen.ts";

const purchaseOrderId = "0b9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const draftId = "1c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const requestId = "3c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const spec = { lineNumber: 2, sku: "MUG-1", title: "Blue mug", quantity: 12, unitCost: 4.5, draftId };
const created: ProductDraftEvent = { type: "DraftCreated", data: { ...spec, purchaseOrderId, merchantId: "m1" } };
const bySku = {
  productId: "gid://shopify/Product/7",
  variantId: "gid://shopify/ProductVariant/8",
  title: "Blue Mug",
  by: "sku",
  score: 1,
} as const;
const byTitle = { ...bySku, productId: "gid://shopify/Product/9", by: "title", score: 0.86 } as const;
const found = (match: typeof bySku | typeof byTitle): ProductDraftEvent => ({ type: "ProductMatchFound", data: { draftId, match } });
const accepted: ProductDraftEvent = { type: "ProductMatchAccepted", data: { draftId, productId: byTitle.productId } };
const published: ProductDraftEvent = {
  type: "ProductPublished",
  data: {
    draftId,
    requestId,
    basedOnEdit: 0,
    product: { shop: "m1.myshopify.com", productId: bySku.productId, variantId: bySku.variantId, handle: "blue-mug" },
  },
};
const drafts = deciderSpec(productDraftDecider);
const matchOf = (events: ProductDraftEvent[]) => {
  const state = fold(productDraftDecider, events);
  return state.status === "none" ? null : state.match;
};

describe("a draft matched with a product its merchant's store already has", () => {
  it("records the match once, and not for a draft already in the store or deleted", () => {
    drafts
      .given([created])
      .when({ type: "RecordProductMatch", data: { draftId, match: bySku } })
      .then([found(bySku)]);
    drafts
      .given([created, found(bySku)])
      .when({ type: "RecordProductMatch", data: { draftId, match: bySku } })
      .then([]);
    drafts
      .given([created, published])
      .when({ type: "RecordProductMatch", data: { draftId, match: bySku } })
      .then([]);
    drafts
      .given([created, { type: "DraftDeleted", data: { draftId } }])
      .when({ type: "RecordProductMatch", data: { draftId, match: bySku } })
      .thenThrows(NotFound);
  });

  it("is accepted or refused by the draft's merchant only, once, and only while the draft is not in the store", () => {
    drafts
      .given([created, found(byTitle)])
      .when({ type: "AcceptProductMatch", data: { draftId, merchantId: "m1" } })
      .then([accepted]);
    drafts
      .given([created, found(byTitle), accepted])
      .when({ type: "AcceptProductMatch", data: { draftId, merchantId: "m1" } })
      .then([]);
    drafts
      .given([created, found(byTitle), accepted])
      .when({ type: "RefuseProductMatch", data: { draftId, merchantId: "m1" } })
      .then([{ type: "ProductMatchRefused", data: { draftId, productId: byTitle.productId } }]);
    drafts
      .given([created, found(byTitle)])
      .when({ type: "AcceptProductMatch", data: { draftId, merchantId: "m2" } })
      .thenThrows(NotFound);
    drafts
      .given([created])
      .when({ type: "AcceptProductMatch", data: { draftId, merchantId: "m1" } })
      .thenThrows(DomainRuleViolation);
    drafts
      .given([created, found(bySku), published])
      .when({ type: "RefuseProductMatch", data: { draftId, merchantId: "m1" } })
      .thenThrows(DomainRuleViolation);
  });

  it("updates the store's product for a SKU match unless refused, for a title match only once accepted", () => {
    const refused = (productId: string): ProductDraftEvent => ({ type: "ProductMatchRefused", data: { draftId, productId } });
    expect(matchToUpdate(matchOf([created, found(bySku)]))?.productId).toBe(bySku.productId);
    expect(matchToUpdate(matchOf([created, found(bySku), refused(bySku.productId)]))).toBeNull();
    expect(matchToUpdate(matchOf([created, found(byTitle)]))).toBeNull();
    expect(matchToUpdate(matchOf([created, found(byTitle), accepted]))?.productId).toBe(byTitle.productId);
    expect(matchToUpdate(matchOf([created]))).toBeNull();
  });
});

describe("the product-matching reaction", () => {
  it("looks each new draft up in the store, the draft as its subject", () => {
    processManagerSpec(productMatching)
      .when({ type: "DraftsCreated", data: { purchaseOrderId, drafts: [spec] } }, { merchantId: "m1" })
      .then([{ type: "MatchDraftProduct", stage: "match_products", purchaseOrderId, merchantId: "m1", subjectId: draftId, draftId }]);
  });
});
