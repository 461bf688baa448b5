import { changedSincePublish, type DraftPublication } from "../domain/publication.ts";
import { matchShown, type DraftMatch } from "../domain/draftInStore.ts";
import { LOW_CONFIDENCE } from "../domain/columnMapping.ts";
import { fold } from "../domain/decider.ts";
import type { Envelope, EventOfType } from "../domain/events.ts";
import { productDraftDecider, productDraftStream } from "../domain/productDraft.ts";
import { type ProductDraftEvent, type ProductDraftState } from "../domain/productDraftEvents.ts";
import { purchaseOrderDecider, purchaseOrderStream, type LineItem, type PurchaseOrderEvent } from "../domain/purchaseOrder.ts";
import { reviewSessionDecider, reviewSessionStream, type ReviewSessionEvent } from "../domain/reviewSession.ts";
import { Stage } from "../domain/stages.ts";
import { workflowStream } from "../domain/workflow.ts";
import type { EventStore } from "../eventstore/port.ts";
import { NotFound } from "../errors.ts";
import { purchaseOrderStatus, stageTimeline } from "../queries/status.ts";
import { correlatedLog } from "./correlation.ts";
import type { Auditor } from "./history.ts";
import { foldStages } from "./stageFold.ts";

/** A moment of the log: everything at or below a position, or written at or before a time. */
export type Cutoff = { position: bigint } | { time: Date };

/** `2026-12-02T10:00:00Z` or a position (digits); undefined if it is neither. */
export function parseCutoff(text: string): Cutoff | undefined {
  if (/^\d+$/.test(text)) return { position: BigInt(text) };
  const time = new Date(text);
  return /^\d{4}-\d\d-\d\d/.test(text) && !Number.isNaN(time.getTime()) ? { time } : undefined;
}

const includes = (cutoff: Cutoff) => (envelope: Envelope) =>
  "position" in cutoff ? envelope.position <= cutoff.position : envelope.created <= cutoff.time;

const stageOrder = new Map(Stage.options.map((stage, index) => [stage, index]));

/**
 * A purchase order as it was at the cutoff — drafts, images, decisions, stages, review — rebuilt
 * from its streams' events up to then by the deciders' own evolve, never from the read models.
 */
export async function purchaseOrderAsOf(store: EventStore, auditor: Auditor, purchaseOrderId: string, cutoff: Cutoff) {
  const notFound = new NotFound("Purchase order", purchaseOrderId);
  const log = (await correlatedLog(store, purchaseOrderId)).flatMap((e) => (e.envelope ? [e.envelope] : []));
  const streamOf = (name: string) => log.filter((e) => e.streamName === name && includes(cutoff)(e));
  const poEvents = streamOf(purchaseOrderStream(purchaseOrderId));
  const po = fold(
    purchaseOrderDecider,
    poEvents.map((e) => e.event as PurchaseOrderEvent),
  );
  if (po.status === "none" || (auditor.kind === "merchant" && po.merchantId !== auditor.merchantId)) throw notFound;
  const facts = purchaseOrderFacts(poEvents);
  const draftIds = "draftIds" in po ? po.draftIds : [];
  const lineItems = ("lineItems" in po ? po.lineItems : []).map(lineItemView);
  const lineOf = new Map(lineItems.map((line) => [line.lineNumber, line]));
  const drafts = draftIds
    .map((draftId) => draftAsOf(draftId, streamOf(productDraftStream(draftId))))
    .filter((draft) => draft !== undefined)
    .sort((a, b) => a.lineNumber - b.lineNumber);
  const stages = foldStages(streamOf(workflowStream(purchaseOrderId))).sort(
    (a, b) => (stageOrder.get(a.stage as Stage) ?? 99) - (stageOrder.get(b.stage as Stage) ?? 99) || a.subjectId.localeCompare(b.subjectId),
  );
  const review = fold(
    reviewSessionDecider,
    streamOf(reviewSessionStream(purchaseOrderId)).map((e) => e.event as ReviewSessionEvent),
  );
  const stored =
    po.status === "drafts_created" ? "drafts_ready" : po.status === "uploaded" && facts.uploaded.parsing ? "parsing" : po.status;
  const liveDraftIds = drafts.map((d) => d.id);
  const { status, progress } = purchaseOrderStatus(stored, liveDraftIds, stages);
  const included = log.filter(includes(cutoff));

  return {
    id: purchaseOrderId,
    asOf: {
      ...("position" in cutoff ? { position: cutoff.position.toString() } : { time: cutoff.time.toISOString() }),
      /** The newest event of this PO the answer includes. */
      lastPosition: included.at(-1)?.position.toString() ?? null,
      lastEventAt: included.at(-1)?.created.toISOString() ?? null,
    },
    status,
    progress: { ...progress, lowConfidenceLines: lineItems.filter((l) => l.flagged).length },
    fileName: po.fileName,
    contentType: po.contentType,
    sizeBytes: facts.uploaded.sizeBytes,
    sha256: po.sha256,
    uploadedAt: facts.uploaded.uploadedAt,
    parseErrors: facts.parseErrors,
    columnMapping: facts.parsed?.mapping ?? null,
    warnings: facts.parsed?.warnings ?? [],
    lineItems,
    timeline: stageTimeline(liveDraftIds, stages),
    stages: stages.map((s) => ({ ...s, subjectId: s.subjectId || null })),
    drafts: drafts.map((draft) => {
      const line = lineOf.get(draft.lineNumber);
      return { ...draft, flagged: line?.flagged ?? false, concerns: line?.concerns ?? [], source: line?.source ?? null };
    }),
    review: {
      status: review.status === "none" ? "waiting_for_images" : review.status,
      completedBy: review.status === "completed" ? `${review.reviewer.kind}:${review.reviewer.id}` : null,
    },
  };
}

/** What the PO's state does not keep but its answer shows: the upload's facts and the latest parse. */
function purchaseOrderFacts(events: Envelope[]) {
  const last = <T extends PurchaseOrderEvent["type"]>(type: T) =>
    events.findLast((e) => e.event.type === type)?.event as EventOfType<T> | undefined;
  const outcome = events.findLast((e) => e.event.type === "PurchaseOrderParsed" || e.event.type === "PurchaseOrderParseFailed")?.event;
  return {
    uploaded: last("PurchaseOrderUploaded")!.data,
    parsed: last("PurchaseOrderParsed")?.data,
    parseErrors: outcome?.type === "PurchaseOrderParseFailed" ? outcome.data.errors : null,
  };
}

const lineItemView = (line: LineItem) => ({
  lineNumber: line.lineNumber,
  sku: line.sku,
  title: line.title,
  quantity: line.quantity,
  unitCost: line.unitCost,
  source: line.source ?? null,
  confidence: line.confidence ?? null,
  flagged: line.confidence !== undefined && line.confidence < LOW_CONFIDENCE,
  concerns: line.concerns ?? [],
});

/** A live draft as the PO's answer shows it; a deleted (or not yet created) one is not there. */
function draftAsOf(draftId: string, events: Envelope[]) {
  const state: ProductDraftState = fold(
    productDraftDecider,
    events.map((e) => e.event as ProductDraftEvent),
  );
  if (state.status !== "active") return undefined;
  const found = new Map(state.searches.flatMap((s) => s.images).map((image) => [image.imageId, image]));
  const attached = state.images.map(({ imageId, decision }) => ({
    id: imageId,
    url: found.get(imageId)?.url ?? null,
    source: found.get(imageId)?.source ?? null,
    status: decision,
    isPrimary: state.primaryImageId === imageId,
  }));
  const optimized = events.flatMap(({ event }) =>
    event.type === "OptimizedImageAttached"
      ? [
          {
            id: event.data.image.imageId,
            url: event.data.image.url,
            source: event.data.image.source,
            status: "optimized",
            isPrimary: false,
          },
        ]
      : [],
  );
  return {
    id: state.draftId,
    purchaseOrderId: state.purchaseOrderId,
    lineNumber: state.lineNumber,
    sku: state.sku,
    title: state.title,
    quantity: state.quantity,
    unitCost: state.unitCost,
    retailPrice: state.retailPrice ?? null,
    mergedLines: state.mergedLines ?? null,
    description: state.description,
    tags: state.tags,
    productType: state.productType,
    revision: Number(events.at(-1)!.revision),
    images: [...attached, ...optimized],
    publication: publicationAsOf(state, events),
  };
}

/** The draft's place in the store as the read model shows it (`publicationView`), from its stream. */
function publicationAsOf(
  { publication, edits, match }: { publication: DraftPublication; edits: number; match: DraftMatch | null },
  events: Envelope[],
) {
  const { product } = publication;
  const state = product
    ? changedSincePublish(publication, edits)
      ? "changed"
      : "published"
    : publication.skipped
      ? "skipped"
      : publication.requested
        ? "requested"
        : "unpublished";
  const publishedAt = events.findLast(({ event }) => event.type === "ProductPublished")?.created.toISOString() ?? null;
  return {
    state,
    productId: product?.productId ?? null,
    handle: product?.handle ?? null,
    publishedAt: product ? publishedAt : null,
    match: match && matchShown(match),
  };
}
