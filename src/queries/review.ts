import { NotFound } from "../errors.ts";
import type { PrismaClient, WorkflowStage } from "../generated/prisma/client.ts";

type Decimalish = { toNumber(): number };
const numOrNull = (value: Decimalish | null) => (value === null ? null : value.toNumber());

type DraftStages = Pick<WorkflowStage, "stage" | "subjectId" | "status" | "reason" | "error">[];

/** Why a draft has no images yet, in the words the review screen shows. */
function imageStatus(hasImages: boolean, draftId: string, stages: DraftStages) {
  if (hasImages) return "found" as const;
  const mine = stages.filter((s) => s.subjectId === draftId);
  if (mine.some((s) => s.status === "failed")) return "failed" as const;
  const attach = mine.find((s) => s.stage === "attach_images");
  if (attach?.status === "skipped" || attach?.status === "completed") return "none_found" as const;
  return "pending" as const;
}

/**
 * A PO's review screen: the session, and every live draft with its candidate images and the
 * decisions taken. Drafts still waiting for images are listed too, so the screen can say so.
 */
export async function getReview(prisma: PrismaClient, merchantId: string, purchaseOrderId: string, only: { draftId?: string } = {}) {
  const po = await prisma.purchaseOrder.findFirst({ where: { id: purchaseOrderId, merchantId }, select: { id: true } });
  if (!po) throw new NotFound("Purchase order", purchaseOrderId);
  const [session, drafts, stages] = await Promise.all([
    prisma.imageReviewSession.findUnique({ where: { purchaseOrderId } }),
    prisma.productDraft.findMany({
      where: { purchaseOrderId, merchantId, ...(only.draftId && { id: only.draftId }) },
      orderBy: { lineNumber: "asc" },
      include: { review: { include: { images: { orderBy: { position: "asc" } } } } },
    }),
    prisma.workflowStage.findMany({
      where: {
        purchaseOrderId,
        merchantId,
        stage: { in: ["search_images", "attach_images"] },
        ...(only.draftId && { subjectId: only.draftId }),
      },
      select: { stage: true, subjectId: true, status: true, reason: true, error: true },
    }),
  ]);
  const products = drafts.map((draft) => {
    const images = draft.review?.images ?? [];
    return {
      draftId: draft.id,
      lineNumber: draft.lineNumber,
      title: draft.title,
      sku: draft.sku,
      quantity: draft.quantity.toNumber(),
      unitCost: numOrNull(draft.unitCost),
      retailPrice: numOrNull(draft.retailPrice),
      mergedLines: draft.mergedLines,
      description: draft.description,
      tags: draft.tags,
      productType: draft.productType,
      imageStatus: imageStatus(images.length > 0, draft.id, stages),
      primaryImageId: draft.review?.primaryImageId ?? null,
      images: images.map((image) => ({
        id: image.imageId,
        url: image.url,
        source: image.source,
        decision: image.decision,
        isPrimary: image.imageId === draft.review?.primaryImageId,
      })),
    };
  });
  const decisions = products.flatMap((p) => p.images.map((i) => i.decision));
  return {
    purchaseOrderId,
    status: session?.status ?? "waiting_for_images",
    openedAt: session?.openedAt.toISOString() ?? null,
    completedAt: session?.completedAt?.toISOString() ?? null,
    completedBy: session?.completedBy ?? null,
    summary: {
      drafts: products.length,
      images: decisions.length,
      approved: decisions.filter((d) => d === "approved").length,
      rejected: decisions.filter((d) => d === "rejected").length,
      pending: decisions.filter((d) => d === "pending").length,
    },
    products,
  };
}
