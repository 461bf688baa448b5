import { z } from "zod";
import type { LineItem } from "./purchaseOrder.ts";

/**
 * The normalize stage: line items as a parser read them become the lines drafts are made of.
 * Pure, so the upload's one atomic append can include it; what the parser read stays in
 * PurchaseOrderParsed, what the drafts were made of in DraftsCreated.
 */

/** A line that several lines of the file with the same SKU became, each with what it said. */
export const MergedLine = z.object({
  lineNumber: z.number().int().positive(),
  quantity: z.number().positive(),
  unitCost: z.number().nonnegative().nullable(),
});
export type MergedLine = z.infer<typeof MergedLine>;

export type NormalizedLine = LineItem & { mergedLines?: MergedLine[] };

export const NormalizationReport = z.object({
  titlesChanged: z.number().int().nonnegative(),
  skusTrimmed: z.number().int().nonnegative(),
  merged: z.array(z.object({ sku: z.string(), lineNumbers: z.array(z.number().int().positive()), quantity: z.number().positive() })),
});
export type NormalizationReport = z.infer<typeof NormalizationReport>;

// Words a title keeps in lower case unless they start it.
const MINOR_WORDS = new Set(["a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"]);

const UNITS: Record<string, string> = {
  kg: "kg",
  g: "g",
  mg: "mg",
  l: "L",
  cl: "cl",
  ml: "ml",
  m: "m",
  cm: "cm",
  mm: "mm",
  oz: "oz",
  lb: "lb",
  lbs: "lb",
};
// A number glued to, or spaced from, a unit, standing alone: "1KG", "1 Kg", "2,5l"; not "X100G", "AO-2M" or "2P".
const QUANTITY_WITH_UNIT = new RegExp(`(?<![\\p{L}\\d.,/-])(\\d+(?:[.,]\\d+)?)\\s*(${Object.keys(UNITS).join("|")})(?![\\p{L}\\d])`, "giu");

const capitalized = (word: string) =>
  word.toLowerCase().replace(/(^|[-/])(\p{L})/gu, (_m, before: string, letter: string) => before + letter.toUpperCase());

/** A title in all capitals or all lower case reads as a title; one with its own mixed casing (iPhone, McVitie's) is left as it is. */
function cased(title: string): string {
  const letters = title.replace(/[^\p{L}]/gu, "");
  const uniform = letters.length > 1 && (letters === letters.toUpperCase() || letters === letters.toLowerCase());
  if (!uniform) return title;
  return title
    .split(" ")
    .map((word, index) => {
      // Codes and sizes (2P, X100) keep their letters as the supplier wrote them.
      if (/\d/.test(word)) return word;
      const lower = word.toLowerCase();
      return index > 0 && MINOR_WORDS.has(lower) ? lower : capitalized(word);
    })
    .join(" ");
}

export function normalizeTitle(title: string): string {
  const spaced = title.normalize("NFC").replace(/\s+/gu, " ").trim();
  return cased(spaced).replace(QUANTITY_WITH_UNIT, (_m, amount: string, unit: string) => `${amount} ${UNITS[unit.toLowerCase()]}`);
}

export function normalizeSku(sku: string | null): string | null {
  const trimmed = sku?.trim() ?? "";
  return trimmed === "" ? null : trimmed;
}

/** Total cost kept: the merged line's unit cost is the quantity-weighted cost of the lines that gave one. */
function mergedUnitCost(lines: MergedLine[]): number | null {
  const costed = lines.filter((line) => line.unitCost !== null);
  if (costed.length === 0) return null;
  const quantity = costed.reduce((sum, line) => sum + line.quantity, 0);
  const total = costed.reduce((sum, line) => sum + line.quantity * line.unitCost!, 0);
  return Math.round((total / quantity) * 10_000) / 10_000;
}

/**
 * Titles tidied (whitespace, casing, units), SKUs trimmed, and lines with the same SKU merged into
 * the first of them with the quantities summed; the merged line says which lines it holds.
 */
export function normalizeLines(lineItems: LineItem[]): { lines: NormalizedLine[]; report: NormalizationReport } {
  let titlesChanged = 0;
  let skusTrimmed = 0;
  const bySku = new Map<string, MergedLine[]>();
  const lines: NormalizedLine[] = [];
  for (const item of lineItems) {
    const title = normalizeTitle(item.title) || item.title;
    const sku = normalizeSku(item.sku);
    if (title !== item.title) titlesChanged++;
    if (sku !== item.sku) skusTrimmed++;
    const own = { lineNumber: item.lineNumber, quantity: item.quantity, unitCost: item.unitCost };
    const sameSku = sku === null ? undefined : bySku.get(sku);
    if (sameSku) {
      sameSku.push(own);
      continue;
    }
    if (sku !== null) bySku.set(sku, [own]);
    lines.push({ ...item, title, sku });
  }
  const merged: NormalizationReport["merged"] = [];
  const result = lines.map((line) => {
    const group = line.sku === null ? undefined : bySku.get(line.sku);
    if (!group || group.length === 1) return line;
    // Four decimals, as quantities are kept: 0.1 + 0.2 is not 0.30000000000000004 of anything.
    const quantity = Math.round(group.reduce((sum, l) => sum + l.quantity, 0) * 10_000) / 10_000;
    merged.push({ sku: line.sku!, lineNumbers: group.map((l) => l.lineNumber), quantity });
    return { ...line, quantity, unitCost: mergedUnitCost(group), mergedLines: group };
  });
  return { lines: result, report: { titlesChanged, skusTrimmed, merged } };
}
