import type { Envelope } from "../domain/events.ts";
import { ProductDraftEvent } from "../domain/productDraftEvents.ts";
import type { DraftSpec } from "../domain/purchaseOrder.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Projection } from "./projection.ts";
import type { BatchTable, RowBatch } from "./rowBatch.ts";

type DraftRow = Pick<DraftSpec, "lineNumber" | "sku" | "title" | "quantity" | "unitCost"> & {
  retailPrice: number | null;
  /** JSON: the lines normalization merged into the draft. */
  mergedLines: string | null;
  id: string;
  merchantId: string;
  purchaseOrderId: string;
  revision: bigint;
  createdAt: Date;
  updatedAt: Date;
};

const drafts: BatchTable<DraftRow> = {
  name: "ProductDraft",
  key: ["id"],
  columns: {
    id: "uuid",
    merchantId: "text",
    purchaseOrderId: "uuid",
    lineNumber: "int",
    sku: "text",
    title: "text",
    quantity: "numeric",
    unitCost: "numeric",
    retailPrice: "numeric",
    mergedLines: "jsonb",
    revision: "bigint",
    createdAt: "timestamptz",
    updatedAt: "timestamptz",
  },
};

// Every event of a draft's stream moves its revision. The draft's creation (DraftsCreated, at
// revision 0) and edits project here, with the PO an upload waits for; the image and review events,
// most of a draft's stream, and the deletion move it in the images group (draftRevisionsProjection).
const imageEvents = ProductDraftEvent.options
  .map((option) => option.shape.type.value)
  .filter((type) => !["DraftCreated", "DraftUpdated", "DraftDeleted"].includes(type));

/** Never backwards: the images group applies a draft's image events after its own changes may have moved on. */
const advanceRevision = (rows: RowBatch, { event: { data }, revision, created }: Envelope<ProductDraftEvent>) =>
  rows.raise(drafts, "revision", { id: data.draftId, revision, updatedAt: created });

/**
 * The row follows its stream's revision, so the revision the API sends is the one an append checks.
 * Its deletion projects here too, in the images group: an image attached before the deletion (earlier
 * in the log) is always written while its draft's row is still there, never against a missing one.
 */
export const draftRevisionsProjection: Projection = {
  name: "draft-revisions",
  rows: Object.fromEntries(imageEvents.map((type) => [type, advanceRevision])),
  writes: {
    DraftDeleted: (tx, { event: { data } }) => tx.productDraft.deleteMany({ where: { id: data.draftId } }),
  },
  // The rows belong to productDraftsProjection; replaying moves each revision up to where it was.
  reset: async () => undefined,
};

export const productDraftsProjection: Projection = {
  name: "product-drafts",
  rows: {
    // A PO's drafts arrive together: one DraftCreated per draft stream, then the PO's DraftsCreated
    // in the same atomic append. The announcement creates all rows; each draft stream is then at revision 0.
    DraftsCreated: (rows, { event: { data }, metadata, created }) => {
      for (const { draftId, lineNumber, sku, title, quantity, unitCost, retailPrice, mergedLines } of data.drafts)
        rows.insert(drafts, {
          id: draftId,
          merchantId: metadata.merchantId,
          purchaseOrderId: data.purchaseOrderId,
          lineNumber,
          sku,
          title,
          quantity,
          unitCost,
          retailPrice: retailPrice ?? null,
          mergedLines: mergedLines ? JSON.stringify(mergedLines) : null,
          revision: 0n,
          createdAt: created,
          updatedAt: created,
        });
    },
  },
  writes: {
    DraftUpdated: (tx, { event: { data }, revision, created }) =>
      tx.productDraft.updateMany({
        where: { id: data.draftId },
        data: {
          ...data.changes,
          ...(data.mergedLines !== undefined && { mergedLines: data.mergedLines ?? Prisma.DbNull }),
          revision,
          updatedAt: created,
        },
      }),
    // Its revision moves in the images group, with the draft's other background events.
    DraftEnriched: (tx, { event: { data } }) => tx.productDraft.updateMany({ where: { id: data.draftId }, data: data.changes }),
  },
  reset: (tx) => tx.productDraft.deleteMany(),
};
