import { LOW_CONFIDENCE } from "../domain/columnMapping.ts";
import { matchShown, type MatchDecision } from "../domain/draftInStore.ts";
import { MatchedBy } from "../domain/productMatching.ts";
import type { DraftPublication, POLineItem, ProductDraft, ProductImage, WorkflowStage } from "../generated/prisma/client.ts";

/** Read-model rows shaped for the API: numbers as numbers, no internal columns. */

type Decimalish = { toNumber(): number };
const num = (value: Decimalish) => value.toNumber();
const numOrNull = (value: Decimalish | null) => (value === null ? null : value.toNumber());

export const lineItemView = (line: POLineItem) => ({
  lineNumber: line.lineNumber,
  sku: line.sku,
  title: line.title,
  quantity: num(line.quantity),
  unitCost: numOrNull(line.unitCost),
  source: line.source,
  confidence: line.confidence,
  /** Read with too little confidence to pass unchecked: the reviewer sees why, and the source text. */
  flagged: line.confidence !== null && line.confidence < LOW_CONFIDENCE,
  concerns: line.concerns ?? [],
});

export const imageView = (image: ProductImage) => ({
  id: image.id,
  url: image.url,
  source: image.source,
  status: image.status,
  isPrimary: image.isPrimary,
});

export const draftView = (draft: ProductDraft & { images: ProductImage[] }) => ({
  id: draft.id,
  purchaseOrderId: draft.purchaseOrderId,
  lineNumber: draft.lineNumber,
  sku: draft.sku,
  title: draft.title,
  quantity: num(draft.quantity),
  unitCost: numOrNull(draft.unitCost),
  retailPrice: numOrNull(draft.retailPrice),
  mergedLines: draft.mergedLines,
  description: draft.description,
  tags: draft.tags,
  productType: draft.productType,
  revision: Number(draft.revision),
  images: draft.images.map(imageView),
});

/** Where the draft is in the merchant's store; `changed`: edited since its product was last written. */
/** The store's product a draft may be, as the draft's stream has it. */
const matchView = (row: DraftPublication) =>
  row.matchProductId === null
    ? null
    : matchShown({
        productId: row.matchProductId,
        variantId: row.matchVariantId ?? "",
        title: row.matchTitle ?? "",
        by: MatchedBy.parse(row.matchBy),
        score: row.matchScore ?? 0,
        decision: (row.matchDecision ?? "proposed") as MatchDecision,
      });

export const publicationView = (row: DraftPublication | undefined) => {
  if (!row) return { state: "unpublished", productId: null, handle: null, publishedAt: null, match: null };
  const changed = row.state === "published" && row.publishedEdit !== row.edits;
  return {
    state: changed ? "changed" : row.state,
    productId: row.productId,
    handle: row.handle,
    publishedAt: row.publishedAt?.toISOString() ?? null,
    match: matchView(row),
  };
};

export const stageView = (stage: WorkflowStage) => ({
  stage: stage.stage,
  subjectId: stage.subjectId || null,
  status: stage.status,
  attempt: stage.attempt,
  startedAt: stage.startedAt?.toISOString() ?? null,
  finishedAt: stage.finishedAt?.toISOString() ?? null,
  durationMs: stage.durationMs,
  error: stage.error,
  reason: stage.reason,
  detail: stage.detail,
});
