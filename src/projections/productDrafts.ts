import type { Envelope } from "../domain/events.ts";
import { ProductDraftEvent } from "../domain/productDraft.ts";
import type { DraftSpec } from "../domain/purchaseOrder.ts";
import { bulkInsert, type BulkColumn } from "./bulkInsert.ts";
import type { Projection, ProjectionTransaction } from "./projection.ts";

type DraftRow = DraftSpec & { purchaseOrderId: string; merchantId: string; created: Date };

const columns: BulkColumn<DraftRow>[] = [
  { name: "id", type: "uuid", value: (r) => r.draftId },
  { name: "merchantId", type: "text", value: (r) => r.merchantId },
  { name: "purchaseOrderId", type: "uuid", value: (r) => r.purchaseOrderId },
  { name: "lineNumber", type: "int", value: (r) => r.lineNumber },
  { name: "sku", type: "text", value: (r) => r.sku },
  { name: "title", type: "text", value: (r) => r.title },
  { name: "quantity", type: "numeric", value: (r) => r.quantity },
  { name: "unitCost", type: "numeric", value: (r) => r.unitCost },
  { name: "revision", type: "bigint", value: () => 0n },
  { name: "createdAt", type: "timestamptz", value: (r) => r.created },
  { name: "updatedAt", type: "timestamptz", value: (r) => r.created },
];

/** The row follows its stream's revision, so the revision the API sends is the one an append checks. */
const advanceRevision = (tx: ProjectionTransaction, { event: { data }, revision, created }: Envelope<ProductDraftEvent>) =>
  tx.productDraft.updateMany({ where: { id: data.draftId }, data: { revision, updatedAt: created } });

// Every event of a draft's stream moves it (DraftUpdated and DraftDeleted, below, do more), except
// DraftCreated: revision 0, which DraftsCreated writes for all of a PO's drafts at once.
const advancingEvents = ProductDraftEvent.options.map((option) => option.shape.type.value).filter((type) => type !== "DraftCreated");

export const productDraftsProjection: Projection = {
  name: "product-drafts",
  handlers: {
    ...Object.fromEntries(advancingEvents.map((type) => [type, advanceRevision])),
    // A PO's drafts arrive together: one DraftCreated per draft stream, then the PO's DraftsCreated
    // in the same atomic append. The announcement creates all rows in one insert; each draft
    // stream is then at revision 0.
    DraftsCreated: (tx, { event: { data }, metadata, created }) =>
      bulkInsert(
        tx,
        "ProductDraft",
        columns,
        data.drafts.map((draft) => ({ ...draft, purchaseOrderId: data.purchaseOrderId, merchantId: metadata.merchantId, created })),
      ),
    DraftUpdated: (tx, { event: { data }, revision, created }) =>
      tx.productDraft.updateMany({ where: { id: data.draftId }, data: { ...data.changes, revision, updatedAt: created } }),
    DraftDeleted: (tx, { event: { data } }) => tx.productDraft.deleteMany({ where: { id: data.draftId } }),
  },
  reset: (tx) => tx.productDraft.deleteMany(),
};
