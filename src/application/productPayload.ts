import type { ProductDraftState } from "../domain/productDraftEvents.ts";
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

const escapeHtml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The draft's plain-text description as Shopify's HTML: a paragraph per blank-line-separated block. */
const descriptionHtml = (description: string | null) =>
  (description ?? "")
    .split(/\n\s*\n/)
    .map((block) => block.trim())
    .filter(Boolean)
    .map((block) => `<p>${escapeHtml(block).replace(/\n/g, "<br>")}</p>`)
    .join("");

/**
 * The product a draft becomes: its own fields (as the reviewer left them, enrichment included), its
 * merchant's defaults where the draft has none, one variant. The price is the draft's retail price
 * where the merchant's pricing rule (or the reviewer) set one, else its unit cost.
 */
export function productInput(draft: ActiveDraft, settings: PublishSettings): ProductInput {
  const tags = [...draft.tags, ...settings.tags.filter((tag) => !draft.tags.some((own) => own.toLowerCase() === tag.toLowerCase()))];
  return {
    handle: draft.handle,
    title: draft.title,
    descriptionHtml: descriptionHtml(draft.description),
    vendor: settings.vendor ?? "",
    productType: draft.productType ?? settings.productType ?? "",
    tags,
    status: settings.status,
    variant: {
      sku: draft.sku,
      barcode: draft.barcode ?? null,
      price: money(draft.retailPrice ?? draft.unitCost ?? 0),
      cost: draft.unitCost === null ? null : money(draft.unitCost),
    },
    images: approvedImages(draft),
  };
}
