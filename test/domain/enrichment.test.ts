import { describe, expect, it } from "vitest";
import { NotFound } from "../../src/errors.ts";
import { productDraftDecider } from "../../src/domain/productDraft.ts";
import { type ProductDraftEvent } from "../../src/domain/productDraftEvents.ts";
import { enrichmentInput, readEnrichment } from "../../src/enrichment/enrichmentModel.ts";
import { DEFAULT_SETTINGS } from "../../src/domain/merchantSettings.ts";
import { enrichment } from "../../src/processmanagers/enrichment.ts";
import { deciderSpec, processManagerSpec } from "../../src/testing/givenWhenThen.ts";

const draftId = "1c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const purchaseOrderId = "0b9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const enrichmentId = "3c9d6a3e-4c1f-4d2a-9f0e-1a2b3c4d5e6f";
const draft = { draftId, purchaseOrderId, merchantId: "m1", lineNumber: 2, sku: "AO-TENT-2P", title: "Tent", quantity: 3, unitCost: 10 };
const created: ProductDraftEvent = { type: "DraftCreated", data: draft };
const suggestion = { description: "A light tent for two.", tags: ["camping", "tent"], productType: "Tents" };
const record = { type: "RecordEnrichment" as const, data: { draftId, enrichmentId, model: "test/writer", suggestion } };
const enriched: ProductDraftEvent = { type: "DraftEnriched", data: { draftId, enrichmentId, model: "test/writer", changes: suggestion } };
const spec = deciderSpec(productDraftDecider);

describe("a draft's enrichment", () => {
  it("applies the model's suggestion once, however often it is redelivered", () => {
    spec.given([created]).when(record).then([enriched]);
    spec.given([created, enriched]).when(record).then([]);
  });

  it("keeps what the reviewer already wrote", () => {
    const edited: ProductDraftEvent = { type: "DraftUpdated", data: { draftId, changes: { description: "Mine.", tags: ["mine"] } } };
    spec
      .given([created, edited])
      .when(record)
      .then([{ type: "DraftEnriched", data: { draftId, enrichmentId, model: "test/writer", changes: { productType: "Tents" } } }]);
  });

  it("never lands on a deleted draft", () => {
    spec
      .given([created, { type: "DraftDeleted", data: { draftId } }])
      .when(record)
      .thenThrows(NotFound);
  });

  it("is asked for by every draft a PO announces", () => {
    processManagerSpec(enrichment)
      .when({ type: "DraftsCreated", data: { purchaseOrderId, drafts: [draft] } }, { merchantId: "m1" })
      .then([{ type: "EnrichDraft", stage: "enrich", purchaseOrderId, merchantId: "m1", subjectId: draftId, draftId }]);
  });
});

describe("the enrichment model's answer", () => {
  it("is read from streamed, fenced JSON", () => {
    const text = JSON.stringify(suggestion);
    expect(readEnrichment(["```json\n", text.slice(0, 10), text.slice(10), "\n```"])).toEqual({ ok: true, enrichment: suggestion });
  });

  it("is refused saying what is wrong", () => {
    expect(readEnrichment("I cannot help with that")).toEqual({ ok: false, errors: "the answer is not JSON" });
    expect(readEnrichment('{"description":"","tags":["a,b"]}')).toEqual({
      ok: false,
      errors:
        "description: must not be empty; tags.0: must not contain a comma; productType: Invalid input: expected string, received undefined",
    });
  });

  it("is asked for with the draft, the store's usual type and tags, and after a refusal, why", () => {
    const settings = { ...DEFAULT_SETTINGS, productType: "Camping", tags: ["outdoor"] };
    const { prompt } = enrichmentInput({ title: "Tent", sku: "AO-1" }, settings, "tags: must be an array") as { prompt: string };
    expect(prompt).toContain("Product title: Tent\nSKU: AO-1");
    expect(prompt).toContain("The store's usual product type: Camping. Tags the store uses: outdoor.");
    expect(prompt).toContain("Your previous answer was refused: tags: must be an array.");
  });
});
