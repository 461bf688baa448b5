import { describe, it } from "vitest";
import { DomainRuleViolation } from "../../src/errors.ts";
import { purchaseOrderDecider, type LineItem, type PurchaseOrderEvent } from "../../src/domain/purchaseOrder.ts";
import { deciderSpec } from "../../src/testing/givenWhenThen.ts";

const purchaseOrderId = "0b9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const draftId = "1c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const file = { fileName: "po.csv", contentType: "text/csv", sizeBytes: 42, sha256: "a".repeat(64) };
const uploaded: PurchaseOrderEvent = {
  type: "PurchaseOrderUploaded",
  data: { purchaseOrderId, merchantId: "m1", ...file, uploadedAt: "2026-01-01T00:00:00.000Z" },
};
const tent = { lineNumber: 4, sku: "AO-TENT-2P", title: "Tent, 2 person", quantity: 3, unitCost: 1234.5 };
const parsed: PurchaseOrderEvent = { type: "PurchaseOrderParsed", data: { purchaseOrderId, lineItems: [tent] } };
const draftsCreated: PurchaseOrderEvent = { type: "DraftsCreated", data: { purchaseOrderId, drafts: [{ ...tent, draftId }] } };

const spec = deciderSpec(purchaseOrderDecider);

describe("purchase order", () => {
  it("records an upload", () => {
    spec.given([]).when({ type: "UploadPurchaseOrder", data: uploaded.data }).then([uploaded]);
  });

  it("refuses a second upload under the same id", () => {
    spec.given([uploaded]).when({ type: "UploadPurchaseOrder", data: uploaded.data }).thenThrows(DomainRuleViolation, "already exists");
  });

  it("records parsed line items", () => {
    spec
      .given([uploaded])
      .when({ type: "RecordParseOutcome", data: { ok: true, lineItems: [tent] } })
      .then([parsed]);
  });

  it("records a parse failure with where it failed", () => {
    const errors = [{ line: 7, column: 3, field: "quantity", message: 'Quantity "abc" is not a number' }];
    spec
      .given([uploaded])
      .when({ type: "RecordParseOutcome", data: { ok: false, errors } })
      .then([{ type: "PurchaseOrderParseFailed", data: { purchaseOrderId, errors } }]);
  });

  it("treats a file without line items as a parse failure", () => {
    spec
      .given([uploaded])
      .when({ type: "RecordParseOutcome", data: { ok: true, lineItems: [] } })
      .then([
        { type: "PurchaseOrderParseFailed", data: { purchaseOrderId, errors: [{ line: 1, message: "The file has no line items" }] } },
      ]);
  });

  it("records a parse outcome once, so a redelivered parse writes nothing", () => {
    spec
      .given([uploaded, parsed])
      .when({ type: "RecordParseOutcome", data: { ok: true, lineItems: [tent] } })
      .then([]);
  });

  it("creates drafts for parsed line items", () => {
    spec
      .given([uploaded, parsed])
      .when({ type: "CreateDrafts", data: { drafts: [{ ...tent, draftId }] } })
      .then([draftsCreated]);
  });

  it("creates drafts once", () => {
    spec
      .given([uploaded, parsed, draftsCreated])
      .when({ type: "CreateDrafts", data: { drafts: [{ ...tent, draftId }] } })
      .then([]);
  });

  it("refuses drafts before the PO is parsed, and drafts for lines it does not have", () => {
    spec
      .given([uploaded])
      .when({ type: "CreateDrafts", data: { drafts: [{ ...tent, draftId }] } })
      .thenThrows(DomainRuleViolation, "not parsed");
    spec
      .given([uploaded, parsed])
      .when({ type: "CreateDrafts", data: { drafts: [{ ...tent, lineNumber: 99, draftId }] } })
      .thenThrows(DomainRuleViolation, "Line 99");
  });

  describe("a corrected column mapping", () => {
    const lamp = { lineNumber: 5, sku: "AO-LAMP", title: "Lamp", quantity: 1, unitCost: null };
    const lampDraftId = "2c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
    const columns = { sku: 1, title: 2, quantity: 3, unitCost: null };
    const correctedBy = "merchant:m1";
    const correction = (lines: LineItem[], drafts: { draftId: string }[]) => ({
      type: "CorrectColumnMapping" as const,
      data: { columns, correctedBy, parsed: { lineItems: lines }, drafts: lines.map((l, i) => ({ ...l, ...drafts[i]! })) },
    });

    it("records the correction and the new parse, creates drafts for new lines and keeps the others", () => {
      spec
        .given([uploaded, parsed, draftsCreated])
        .when(correction([tent, lamp], [{ draftId }, { draftId: lampDraftId }]))
        .then([
          { type: "ColumnMappingCorrected", data: { purchaseOrderId, columns, correctedBy } },
          { type: "PurchaseOrderParsed", data: { purchaseOrderId, lineItems: [tent, lamp] } },
          { type: "DraftsCreated", data: { purchaseOrderId, drafts: [{ ...lamp, draftId: lampDraftId }] } },
          { type: "DraftsReconciled", data: { purchaseOrderId, kept: [draftId], removed: [] } },
        ]);
    });

    it("removes the drafts of lines that are no longer line items", () => {
      spec
        .given([uploaded, parsed, draftsCreated])
        .when(correction([lamp], [{ draftId: lampDraftId }]))
        .then([
          { type: "ColumnMappingCorrected", data: { purchaseOrderId, columns, correctedBy } },
          { type: "PurchaseOrderParsed", data: { purchaseOrderId, lineItems: [lamp] } },
          { type: "DraftsCreated", data: { purchaseOrderId, drafts: [{ ...lamp, draftId: lampDraftId }] } },
          { type: "DraftsReconciled", data: { purchaseOrderId, kept: [], removed: [draftId] } },
        ]);
    });

    it("refuses a correction before the drafts exist, or one that leaves no line items", () => {
      spec
        .given([uploaded])
        .when(correction([tent], [{ draftId }]))
        .thenThrows(DomainRuleViolation, "cannot be corrected");
      spec.given([uploaded, parsed, draftsCreated]).when(correction([], [])).thenThrows(DomainRuleViolation, "no line items");
    });
  });
});
