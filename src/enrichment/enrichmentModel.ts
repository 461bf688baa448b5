import { readModelJson } from "../integrations/replicate/modelJson.ts";
import { Enrichment } from "../domain/enrichment.ts";
import type { MerchantSettings } from "../domain/merchantSettings.ts";

/** What the model is told about a draft: what the PO said of it, and what the merchant sells. */
export type DraftToEnrich = { title: string; sku: string | null };

const INSTRUCTIONS = `You write product listings for an online store. Answer with JSON only, no prose, of this shape:
{"description":string,"tags":[string],"productType":string}
"description": two or three plain sentences a shopper reads, no claims the product name does not support.
"tags": up to 8 short lower-case search tags, no commas inside a tag, no duplicates.
"productType": one short category name, e.g. "Tents" or "Kitchen knives".`;

/** The prediction's input for one draft; after a refused answer, what was wrong with it. */
export function enrichmentInput(draft: DraftToEnrich, settings: MerchantSettings, previousErrors?: string): Record<string, unknown> {
  const store = [
    settings.productType && `The store's usual product type: ${settings.productType}.`,
    settings.tags.length > 0 && `Tags the store uses: ${settings.tags.join(", ")}.`,
  ].filter(Boolean);
  const retry = previousErrors ? `\n\nYour previous answer was refused: ${previousErrors}. Answer again, with JSON only.` : "";
  const product = `Product title: ${draft.title}${draft.sku ? `\nSKU: ${draft.sku}` : ""}`;
  return { prompt: `${INSTRUCTIONS}${store.length ? `\n${store.join(" ")}` : ""}${retry}\n\n${product}` };
}

export type EnrichmentReading = { ok: true; enrichment: Enrichment } | { ok: false; errors: string };

/** The model's output (text, or text in pieces as language models stream it) as a suggestion, or what is wrong with it. */
export function readEnrichment(output: unknown): EnrichmentReading {
  const answer = readModelJson(output, Enrichment);
  return answer.ok ? { ok: true, enrichment: answer.value } : answer;
}
