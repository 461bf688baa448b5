import type { ProductDraftState } from "../domain/productDraft.ts";
import type { ProductInput } from "../integrations/shopify/shopifyGateway.ts";
import type { PublishSettings } from "./publishSettings.ts";

type ActiveDraft = Exclude<ProductDraftState, { status: "none" }>;

const money = (amount: number) => amount.toFixed(2);

/** The reviewer's approved images in the order the product shows them: the primary first, then as they arrived. */
export function approvedImages(draft: ActiveDraft): { url: string; alt: string }[] {
  const urls = new Map(draft.searches.flatMap((s) => s.images).map((image) => [image.imageId, image.url]));
  const approved = draft.images.filter((image) => image.decision === "approved" && urls.has(image.imageId));
  const ordered = [
    ...approved.filter((image) => image.imageId === draft.primaryImageId),
    ...approved.filter((image) => image.imageId !== draft.primaryImageId),
  ];
  return ordered.map((image) => ({ url: urls.get(image.imageId)!, alt: draft.title }));
}

/**
 * The product a draft becomes: its own fields, its merchant's defaults, one variant. The price is
 * the draft's retail price where the merchant's pricing rule set one, else its unit cost.
 */
export function productInput(draft: ActiveDraft, settings: PublishSettings): ProductInput {
  // retailPrice arrives with the merchant's pricing rule; drafts made before it have none.
  const retailPrice = (draft as { retailPrice?: number | null }).retailPrice ?? null;
  return {
    handle: draft.handle,
    title: draft.title,
    descriptionHtml: "",
    vendor: settings.vendor ?? "",
    productType: settings.productType ?? "",
    tags: settings.tags,
    status: settings.status,
    variant: {
      sku: draft.sku,
      price: money(retailPrice ?? draft.unitCost ?? 0),
      cost: draft.unitCost === null ? null : money(draft.unitCost),
    },
    images: approvedImages(draft),
  };
}
