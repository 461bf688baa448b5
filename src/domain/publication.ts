import { z } from "zod";

/**
 * Publishing drafts to the merchant's Shopify store. What the store gave back (its ids) is recorded
 * on the draft's stream; which drafts of a PO are settled, on the PO's. The shop's credentials never
 * appear here: they are configuration, and an append-only log cannot forget a secret.
 */

/** The product a draft became in the store. */
export const ShopifyProductRef = z.object({
  shop: z.string().min(1),
  productId: z.string().min(1),
  variantId: z.string().min(1),
  handle: z.string().min(1),
});
export type ShopifyProductRef = z.infer<typeof ShopifyProductRef>;

// Draft stream

export const DraftPublishRequested = z.object({
  type: z.literal("DraftPublishRequested"),
  data: z.object({ draftId: z.uuid(), requestId: z.uuid() }),
});
export const ProductPublished = z.object({
  type: z.literal("ProductPublished"),
  data: z.object({
    draftId: z.uuid(),
    requestId: z.uuid(),
    product: ShopifyProductRef,
    /** How many edits the draft had when the product was built from it: a later edit makes it "changed since publish". */
    basedOnEdit: z.number().int().nonnegative(),
  }),
});
/** The merchant chose not to publish this draft; it counts as settled for the PO's completion. */
export const DraftPublishSkipped = z.object({
  type: z.literal("DraftPublishSkipped"),
  data: z.object({ draftId: z.uuid() }),
});

export const RequestDraftPublish = z.object({
  type: z.literal("RequestDraftPublish"),
  data: z.object({ draftId: z.uuid(), merchantId: z.string().min(1), requestId: z.uuid() }),
});
export const RecordProductPublished = z.object({ type: z.literal("RecordProductPublished"), data: ProductPublished.shape.data });
export const SkipDraftPublish = z.object({
  type: z.literal("SkipDraftPublish"),
  data: z.object({ draftId: z.uuid(), merchantId: z.string().min(1) }),
});

export type DraftPublication = {
  /** A publish was asked for this draft itself (a PO's request is on the PO's stream). */
  requested: boolean;
  lastPublishedRequestId: string | null;
  product: ShopifyProductRef | null;
  publishedEdit: number | null;
  skipped: boolean;
};
export const unpublished: DraftPublication = {
  requested: false,
  lastPublishedRequestId: null,
  product: null,
  publishedEdit: null,
  skipped: false,
};

export const changedSincePublish = (publication: DraftPublication, edits: number) =>
  publication.product !== null && publication.publishedEdit !== edits;

/**
 * The product's handle, fixed when the draft is created: the same draft always names the same
 * product, so a retried or redelivered publish finds it and updates it instead of creating another.
 */
export function productHandle(title: string, draftId: string): string {
  const slug = title
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return slug ? `${slug}-${draftId}` : `draft-${draftId}`;
}

// Purchase order stream

export const SettlementOutcome = z.enum(["published", "skipped", "deleted"]);
export type SettlementOutcome = z.infer<typeof SettlementOutcome>;

export const PurchaseOrderPublishRequested = z.object({
  type: z.literal("PurchaseOrderPublishRequested"),
  data: z.object({ purchaseOrderId: z.uuid(), requestId: z.uuid(), draftIds: z.array(z.uuid()).min(1), requestedBy: z.string().min(1) }),
});
export const DraftPublicationSettled = z.object({
  type: z.literal("DraftPublicationSettled"),
  data: z.object({ purchaseOrderId: z.uuid(), draftId: z.uuid(), outcome: SettlementOutcome }),
});
/** Every draft the request named is settled: published, skipped or deleted. */
export const PurchaseOrderPublished = z.object({
  type: z.literal("PurchaseOrderPublished"),
  data: z.object({ purchaseOrderId: z.uuid(), requestId: z.uuid() }),
});
export const PurchaseOrderCompleted = z.object({
  type: z.literal("PurchaseOrderCompleted"),
  data: z.object({
    purchaseOrderId: z.uuid(),
    requestId: z.uuid(),
    published: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
    deleted: z.number().int().nonnegative(),
  }),
});

export const RequestPublish = z.object({
  type: z.literal("RequestPublish"),
  data: z.object({ merchantId: z.string().min(1), requestId: z.uuid(), draftIds: z.array(z.uuid()), requestedBy: z.string().min(1) }),
});
export const SettleDraftPublication = z.object({
  type: z.literal("SettleDraftPublication"),
  data: z.object({ draftId: z.uuid(), outcome: SettlementOutcome }),
});
export const CompletePurchaseOrder = z.object({ type: z.literal("CompletePurchaseOrder"), data: z.object({}) });

export type PurchaseOrderPublication = {
  requestId: string;
  requested: string[];
  settled: Record<string, SettlementOutcome>;
  status: "publishing" | "published" | "complete";
};
