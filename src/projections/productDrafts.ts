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

// Every event of a draft's stream moves its revision. The draft's creation (DraftsCreated, at
// revision 0) and edits project here, with the PO an upload waits for; the image and review events,
// most of a draft's stream, and the deletion move it in the images group (draftRevisionsProjection).
const imageEvents = ProductDraftEvent.options
  .map((option) => option.shape.type.value)
  .filter((type) => !["DraftCreated", "DraftUpdated", "DraftDeleted"].includes(type));

/** Never backwards: the images group applies a draft's image events after its own changes may have moved on. */
const advanceRevision = (tx: ProjectionTransaction, { event: { data }, revision, created }: Envelope<ProductDraftEvent>) =>
  tx.productDraft.updateMany({ where: { id: data.draftId, revision: { lt: revision } }, data: { revision, updatedAt: created } });

/**
 * The row follows its stream's revision, so the revision the API sends is the one an append checks.
 * Its deletion projects here too, in the images group: an image attached before the deletion (earlier
 * in the log) is always written while its draft's row is still there, never against a missing one.
 */
export const draftRevisionsProjection: Projection = {
  name: "draft-revisions",
  handlers: {
    ...Object.fromEntries(imageEvents.map((type) => [type, advanceRevision])),
    DraftDeleted: (tx, { event: { data } }) => tx.productDraft.deleteMany({ where: { id: data.draftId } }),
  },
  // The rows belong to productDraftsProjection; replaying moves each revision up to where it was.
  reset: async () => undefined,
};

export const productDraftsProjection: Projection = {
  name: "product-drafts",
  handlers: {
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
  },
  reset: (tx) => tx.productDraft.deleteMany(),
};
