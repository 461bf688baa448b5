import type { Clock } from "../clock.ts";
import type { MerchantSettings } from "../domain/merchantSettings.ts";
import { normalizeLines, type NormalizedLine } from "../domain/normalization.ts";
import { applyMerchantRules } from "../domain/pricing.ts";
import type { DraftSpec, LineItem } from "../domain/purchaseOrder.ts";
import type { WorkflowEvent } from "../domain/workflow.ts";
import { stageRun } from "./stageLog.ts";

/**
 * After the parse, before the drafts: the normalize and apply_rules stages, both pure, so the append
 * that records the parse records them too. The settings are the merchant's as the log holds them.
 */
export function prepareDrafts(
  purchaseOrderId: string,
  lineItems: LineItem[],
  settings: MerchantSettings,
  clock: Clock,
  draftIdOf: (line: NormalizedLine) => string,
): { drafts: DraftSpec[]; stageLog: WorkflowEvent[] } {
  const startedAt = clock.now();
  const normalized = normalizeLines(lineItems);
  const normalizedAt = clock.now();
  const ruled = applyMerchantRules(normalized.lines, settings);
  const ruledAt = clock.now();
  return {
    drafts: ruled.lines.map((line) => ({ ...line, draftId: draftIdOf(line) })),
    stageLog: [
      ...stageRun(purchaseOrderId, "normalize", startedAt, normalizedAt, { normalizationReport: normalized.report }),
      ...stageRun(purchaseOrderId, "apply_rules", normalizedAt, ruledAt, { rulesReport: ruled.report }),
    ],
  };
}
