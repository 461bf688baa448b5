import { z } from "zod";
import { PricingRule, type MerchantSettings } from "./merchantSettings.ts";

/** Floating-point noise (0.1 × 3 × 100 is 30.000000000000004), well under a cent. */
const NOISE = 1e-6;

const ceilCents = (amount: number) => Math.ceil(amount * 100 - NOISE);

/** The smallest price in cents at or above `cents` whose cents are `ending` (e.g. 99 for x.99). */
const upToEnding = (cents: number, ending: number) => Math.max(0, Math.ceil((cents - ending) / 100)) * 100 + ending;

/**
 * A unit cost's retail price under the merchant's rule: cost × markup, raised to keep the minimum
 * margin, then rounded. Rounding always goes up, so it never eats into the margin the rule promises.
 * No unit cost, no price: the reviewer sets it.
 */
export function retailPriceFor(unitCost: number | null, rule: PricingRule | null): number | null {
  if (unitCost === null || rule === null) return null;
  const marginFloor = unitCost / (1 - rule.minimumMarginPercent / 100);
  const cents = Math.max(ceilCents(unitCost * rule.markup), ceilCents(marginFloor));
  const rounded = {
    none: cents,
    whole: Math.ceil(cents / 100) * 100,
    ".99": upToEnding(cents, 99),
    ".95": upToEnding(cents, 95),
  }[rule.rounding];
  return rounded / 100;
}

/** What the apply_rules stage did, for the stage log: the rule it applied and how many drafts got a price. */
export const RulesReport = z.object({
  pricing: PricingRule.nullable(),
  priced: z.number().int().nonnegative(),
  withoutPrice: z.number().int().nonnegative(),
});
export type RulesReport = z.infer<typeof RulesReport>;

/** The apply_rules stage: each line's retail price under the merchant's settings as the log holds them now. */
export function applyMerchantRules<Line extends { unitCost: number | null }>(
  lines: Line[],
  settings: MerchantSettings,
): { lines: (Line & { retailPrice: number | null })[]; report: RulesReport } {
  const priced = lines.map((line) => ({ ...line, retailPrice: retailPriceFor(line.unitCost, settings.pricing) }));
  const withPrice = priced.filter((line) => line.retailPrice !== null).length;
  return { lines: priced, report: { pricing: settings.pricing, priced: withPrice, withoutPrice: priced.length - withPrice } };
}
