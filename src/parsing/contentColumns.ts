import type { Field } from "../domain/columnMapping.ts";
import { cellNumber, cellText, type TableRow } from "./table.ts";

export type ContentGuess = { column: number; confidence: number; ambiguous: boolean };

type Profile = {
  column: number;
  filled: number;
  integers: number;
  numbers: number;
  codes: number;
  texts: number;
  avgLength: number;
  distinct: number;
};

const CODE = /^[a-z0-9][a-z0-9._/#-]{1,39}$/i;
const isCode = (text: string) => CODE.test(text) && (/[a-z]/i.test(text) || /[-./]/.test(text) || text.length >= 6) && /\d/.test(text);
const SAMPLE = 200;

function profile(rows: TableRow[], column: number, decimalComma: boolean): Profile {
  const p: Profile = { column, filled: 0, integers: 0, numbers: 0, codes: 0, texts: 0, avgLength: 0, distinct: 0 };
  const seen = new Set<string>();
  let length = 0;
  for (const row of rows.slice(0, SAMPLE)) {
    const cell = row.cells[column];
    const text = cellText(cell);
    if (text === "") continue;
    p.filled++;
    seen.add(text);
    length += text.length;
    const value = cellNumber(cell, decimalComma);
    // A long run of digits is an article number or a barcode, not an amount.
    if (value !== undefined && !/^\d{6,}$/.test(text)) {
      p.numbers++;
      if (Number.isInteger(value) && value > 0 && !/[.,]\d/.test(text)) p.integers++;
    } else if (isCode(text)) p.codes++;
    else p.texts++;
  }
  p.avgLength = p.filled === 0 ? 0 : length / p.filled;
  p.distinct = seen.size;
  return p;
}

const share = (count: number, p: Profile) => (p.filled === 0 ? 0 : count / p.filled);

/**
 * Columns recognised by what they hold, for fields no header named: codes for the SKU, whole numbers
 * for the quantity, amounts for the unit cost, the longest text for the title. A guess is never
 * certain (0.7), and less so (0.5) when another column would fit as well.
 */
export function guessColumns(rows: TableRow[], width: number, missing: Field[], taken: Set<number>, decimalComma: boolean) {
  const free = () => profiles.filter((p) => !taken.has(p.column) && p.filled > 0);
  const profiles = Array.from({ length: width }, (_, column) => profile(rows, column, decimalComma));
  const guesses: Partial<Record<Field, ContentGuess>> = {};
  const choose = (field: Field, candidates: Profile[], clearWinner = candidates.length === 1) => {
    const [best] = candidates;
    if (!best || !missing.includes(field)) return;
    guesses[field] = { column: best.column, confidence: clearWinner ? 0.7 : 0.5, ambiguous: !clearWinner };
    taken.add(best.column);
  };

  choose(
    "quantity",
    free().filter((p) => share(p.integers, p) >= 0.8),
  );
  const amounts = free().filter((p) => share(p.numbers, p) >= 0.8);
  const quantityColumn = guesses.quantity?.column;
  const unitCost =
    quantityColumn === undefined
      ? undefined
      : amounts.find((a) => amounts.some((b) => b !== a && isProductOf(rows, a, b, quantityColumn, decimalComma)));
  if (unitCost) choose("unitCost", [unitCost], true);
  else choose("unitCost", amounts);
  choose(
    "sku",
    free().filter((p) => share(p.codes, p) >= 0.8 && p.distinct >= 0.9 * p.filled),
  );
  const texts = free()
    .filter((p) => share(p.texts, p) >= 0.6)
    .sort((a, b) => b.avgLength - a.avgLength);
  choose("title", texts, texts.length <= 1 || texts[1]!.avgLength < 0.8 * texts[0]!.avgLength);
  return guesses;
}

/** Column `total` holds `unit` × quantity on most rows: `unit` is the unit cost, `total` the line's amount. */
function isProductOf(rows: TableRow[], unit: Profile, total: Profile, quantity: number, decimalComma: boolean) {
  let checked = 0;
  let matching = 0;
  for (const row of rows.slice(0, SAMPLE)) {
    const [u, t, q] = [unit.column, total.column, quantity].map((c) => cellNumber(row.cells[c], decimalComma));
    if (u === undefined || t === undefined || q === undefined) continue;
    checked++;
    if (Math.abs(u * q - t) <= Math.max(0.011, Math.abs(t) * 0.001)) matching++;
  }
  return checked > 0 && matching >= 0.8 * checked;
}
