import { z } from "zod";

/** The largest amount the read models keep: they hold amounts as numeric(14, 4). */
const MAX_AMOUNT = 9_999_999_999.9999;
/**
 * A unit cost is held a thousand times lower, so its retail price at the highest markup a merchant
 * may set (100), rounded up to a price ending, still fits.
 */
const MAX_UNIT_COST = 10_000_000;

const atMostAmount = "must be at most 9,999,999,999.9999";
const belowUnitCostLimit = "must be less than 10,000,000";

export const Quantity = z.number({ error: "must be a number" }).positive("must be more than 0").lte(MAX_AMOUNT, atMostAmount);

export const UnitCost = z.number({ error: "must be a number" }).nonnegative("must be 0 or more").lt(MAX_UNIT_COST, belowUnitCostLimit);

export const RetailPrice = z.number({ error: "must be a number" }).nonnegative("must be 0 or more").lte(MAX_AMOUNT, atMostAmount);

/** Why a parsed line's amount is refused, if it is, in the parsers' words for what the schemas above check. */
export function amountProblem(field: "quantity" | "unitCost", value: number, asWritten: string): string | undefined {
  if (field === "quantity") {
    if (value <= 0) return `Quantity ${asWritten} must be more than zero`;
    if (value > MAX_AMOUNT) return `Quantity ${asWritten} ${atMostAmount}`;
    return undefined;
  }
  if (value < 0) return `Unit cost ${asWritten} cannot be negative`;
  if (value >= MAX_UNIT_COST) return `Unit cost ${asWritten} ${belowUnitCostLimit}`;
  return undefined;
}
