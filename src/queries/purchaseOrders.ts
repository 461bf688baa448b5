import { NotFound } from "../errors.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { Stage } from "../domain/stages.ts";
import { publicationLookup } from "./drafts.ts";
import { purchaseOrderRows } from "./purchaseOrderRows.ts";
import { purchaseOrderStatus, stageTimeline } from "./status.ts";
import { draftView, lineItemView, stageView } from "./views.ts";

const stageOrder = new Map(Stage.options.map((stage, index) => [stage, index]));

/** A merchant's PO with everything the merchant watches; another merchant's PO is NotFound. */
export async function getPurchaseOrder(prisma: PrismaClient, merchantId: string, id: string) {
  const { po, publications, stages, quarantined: quarantinedRows } = await purchaseOrderRows(prisma, merchantId, id);
  const quarantined = quarantinedRows.map(quarantinedView);
  if (!po) {
    // Its first event is quarantined: the PO exists in the log, and the merchant is told why it shows nothing yet.
    if (quarantined.length > 0) return { id, status: "quarantined" as const, quarantined };
    throw new NotFound("Purchase order", id);
  }
  const publication = publicationLookup(publications);
  stages.sort(
    (a, b) => (stageOrder.get(a.stage as Stage) ?? 99) - (stageOrder.get(b.stage as Stage) ?? 99) || a.subjectId.localeCompare(b.subjectId),
  );
  const { status, progress } = purchaseOrderStatus(
    po.status,
    po.drafts.map((d) => d.id),
    stages,
  );
  const lineItems = po.lineItems.map(lineItemView);
  const lineOf = new Map(lineItems.map((line) => [line.lineNumber, line]));
  return {
    id: po.id,
    status: quarantined.length > 0 ? ("quarantined" as const) : status,
    progress: { ...progress, lowConfidenceLines: lineItems.filter((l) => l.flagged).length },
    fileName: po.fileName,
    contentType: po.contentType,
    sizeBytes: po.sizeBytes,
    sha256: po.sha256,
    uploadedAt: po.uploadedAt.toISOString(),
    updatedAt: po.updatedAt.toISOString(),
    parseErrors: po.parseErrors,
    /** How each column was found and how sure the parser is; the merchant can correct it. */
    columnMapping: po.columnMapping,
    warnings: po.parseWarnings ?? [],
    lineItems,
    timeline: stageTimeline(
      po.drafts.map((d) => d.id),
      stages,
    ),
    stages: stages.map(stageView),
    drafts: po.drafts.map((draft) => {
      const line = lineOf.get(draft.lineNumber);
      return {
        ...draftView(draft),
        flagged: line?.flagged ?? false,
        concerns: line?.concerns ?? [],
        source: line?.source ?? null,
        publication: publication(draft.id),
      };
    }),
    /** Events of this PO a consumer could not apply: held until an operator retries or skips them. */
    quarantined,
  };
}

function quarantinedView(row: {
  consumer: string;
  eventType: string;
  position: bigint;
  error: string;
  heldBehind: bigint | null;
  quarantinedAt: Date;
}) {
  return {
    consumer: row.consumer,
    eventType: row.eventType,
    position: row.position.toString(),
    error: row.error,
    heldBehind: row.heldBehind?.toString() ?? null,
    quarantinedAt: row.quarantinedAt.toISOString(),
  };
}

export type PurchaseOrderPage = { limit: number; cursor?: string };

/** Newest first, keyset-paged so pages stay stable while uploads arrive. */
export async function listPurchaseOrders(prisma: PrismaClient, merchantId: string, page: PurchaseOrderPage) {
  const after = page.cursor ? decodeCursor(page.cursor) : undefined;
  const rows = await prisma.purchaseOrder.findMany({
    where: {
      merchantId,
      ...(after && {
        OR: [{ uploadedAt: { lt: after.uploadedAt } }, { uploadedAt: after.uploadedAt, id: { lt: after.id } }],
      }),
    },
    orderBy: [{ uploadedAt: "desc" }, { id: "desc" }],
    take: page.limit + 1,
    include: { _count: { select: { drafts: true } } },
  });
  const items = rows.slice(0, page.limit);
  const last = items.at(-1);
  const ids = items.map((po) => po.id);
  const [stages, drafts] = await Promise.all([
    prisma.workflowStage.findMany({
      where: { purchaseOrderId: { in: ids }, merchantId },
      select: { purchaseOrderId: true, stage: true, subjectId: true, status: true },
    }),
    prisma.productDraft.findMany({ where: { purchaseOrderId: { in: ids }, merchantId }, select: { id: true, purchaseOrderId: true } }),
  ]);
  return {
    items: items.map((po) => {
      const liveDraftIds = drafts.filter((d) => d.purchaseOrderId === po.id).map((d) => d.id);
      const poStages = stages.filter((s) => s.purchaseOrderId === po.id);
      return {
        id: po.id,
        ...purchaseOrderStatus(po.status, liveDraftIds, poStages),
        timeline: stageTimeline(liveDraftIds, poStages),
        fileName: po.fileName,
        uploadedAt: po.uploadedAt.toISOString(),
        draftCount: po._count.drafts,
      };
    }),
    nextCursor: rows.length > page.limit && last ? encodeCursor(last.uploadedAt, last.id) : null,
  };
}

const encodeCursor = (uploadedAt: Date, id: string) => Buffer.from(`${uploadedAt.toISOString()}|${id}`).toString("base64url");

export function decodeCursor(cursor: string): { uploadedAt: Date; id: string } | undefined {
  const [iso, id] = Buffer.from(cursor, "base64url").toString().split("|");
  const uploadedAt = new Date(iso ?? "");
  return id && !Number.isNaN(uploadedAt.getTime()) ? { uploadedAt, id } : undefined;
}
