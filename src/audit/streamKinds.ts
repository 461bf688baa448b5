import type { DomainEvent } from "../domain/events.ts";
import { merchantSettingsDecider } from "../domain/merchantSettings.ts";
import { optimizationJobDecider, type OptimizationJobState } from "../domain/optimization.ts";
import { tableValues } from "../domain/persistentTable.ts";
import { productDraftDecider } from "../domain/productDraft.ts";
import { purchaseOrderDecider } from "../domain/purchaseOrder.ts";
import { reviewSessionDecider } from "../domain/reviewSession.ts";
import { supplierMappingDecider } from "../domain/supplierMappings.ts";

/** A stream's decider, seen as the auditor sees it: its fold and its state as plain JSON. */
export type AuditedDecider = {
  initialState: unknown;
  evolve(state: unknown, event: DomainEvent): unknown;
  view(state: unknown): unknown;
};

const plain = (state: unknown) => state;

// Each decider only ever sees its own stream's events: the log puts every event in the stream its data names.
const audited = (decider: { initialState: unknown; evolve(state: never, event: never): unknown }, view = plain): AuditedDecider => ({
  initialState: decider.initialState,
  evolve: decider.evolve as AuditedDecider["evolve"],
  view,
});

/** A job's items live in a persistent table; the auditor reads them as an object keyed by item id. */
function optimizationJobView(state: unknown) {
  const job = state as OptimizationJobState;
  if (job.status === "none") return job;
  return { ...job, items: Object.fromEntries([...tableValues(job.items)].map((item) => [item.itemId, item])) };
}

/** The streams whose events a decider folds; `workflow-` (the stage log) has none: events only. */
const decidersByCategory: Record<string, AuditedDecider> = {
  po: audited(purchaseOrderDecider),
  draft: audited(productDraftDecider),
  review: audited(reviewSessionDecider),
  mappings: audited(supplierMappingDecider),
  merchant: audited(merchantSettingsDecider),
  optimization: audited(optimizationJobDecider, optimizationJobView),
};

/** The categories a merchant may read, each holding only its own merchant's events (every event's metadata names it). */
export const MERCHANT_CATEGORIES = ["po", "draft", "workflow", "review", "optimization", "merchant", "mappings"];

export const categoryOf = (streamName: string) => streamName.slice(0, Math.max(0, streamName.indexOf("-")));

export const deciderOf = (streamName: string): AuditedDecider | undefined => decidersByCategory[categoryOf(streamName)];
