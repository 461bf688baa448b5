import { describe, it } from "vitest";
import { NotFound } from "../../src/errors.ts";
import { productDraftDecider } from "../../src/domain/productDraft.ts";
import { type ProductDraftEvent } from "../../src/domain/productDraftEvents.ts";
import { deciderSpec } from "../../src/testing/givenWhenThen.ts";

const draftId = "1c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const draft = {
  draftId,
  purchaseOrderId: "0b9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f",
  merchantId: "m1",
  lineNumber: 4,
  sku: "AO-TENT-2P",
  title: "Tent",
  quantity: 3,
  unitCost: 10,
};
const created: ProductDraftEvent = { type: "DraftCreated", data: draft };
const deleted: ProductDraftEvent = { type: "DraftDeleted", data: { draftId } };
const spec = deciderSpec(productDraftDecider);

describe("product draft", () => {
  it("is created once, however often creation is redelivered", () => {
    spec.given([]).when({ type: "CreateDraft", data: draft }).then([created]);
    spec.given([created]).when({ type: "CreateDraft", data: draft }).then([]);
  });

  it("records an edit by its merchant", () => {
    spec
      .given([created])
      .when({ type: "UpdateDraft", data: { draftId, merchantId: "m1", changes: { title: "Tent, 2P", quantity: 4 } } })
      .then([{ type: "DraftUpdated", data: { draftId, changes: { title: "Tent, 2P", quantity: 4 } } }]);
  });

  it("records a deletion by its merchant", () => {
    spec
      .given([created])
      .when({ type: "DeleteDraft", data: { draftId, merchantId: "m1" } })
      .then([deleted]);
  });

  it("answers NotFound to another merchant, as if the draft did not exist", () => {
    spec
      .given([created])
      .when({ type: "DeleteDraft", data: { draftId, merchantId: "m2" } })
      .thenThrows(NotFound);
    spec
      .given([created])
      .when({ type: "UpdateDraft", data: { draftId, merchantId: "m2", changes: { title: "x" } } })
      .thenThrows(NotFound);
  });

  it("cannot be edited or deleted once deleted", () => {
    spec
      .given([created, deleted])
      .when({ type: "DeleteDraft", data: { draftId, merchantId: "m1" } })
      .thenThrows(NotFound);
    spec
      .given([created, deleted])
      .when({ type: "UpdateDraft", data: { draftId, merchantId: "m1", changes: { title: "x" } } })
      .thenThrows(NotFound);
  });

  it("does not exist before it is created", () => {
    spec
      .given([])
      .when({ type: "DeleteDraft", data: { draftId, merchantId: "m1" } })
      .thenThrows(NotFound);
  });
});
