import { describe, expect, it } from "vitest";
import { normalizeLines, normalizeSku, normalizeTitle } from "../../src/domain/normalization.ts";
import { applyMerchantRules } from "../../src/domain/pricing.ts";
import { DEFAULT_SETTINGS } from "../../src/domain/merchantSettings.ts";
import type { LineItem } from "../../src/domain/purchaseOrder.ts";

const line = (lineNumber: number, overrides: Partial<LineItem> = {}): LineItem => ({
  lineNumber,
  sku: `SKU-${lineNumber}`,
  title: `Item ${lineNumber}`,
  quantity: 1,
  unitCost: 10,
  ...overrides,
});

describe("title normalization", () => {
  it("collapses whitespace, non-breaking spaces and tabs included", () => {
    expect(normalizeTitle("  Trailhead \t Tent,\u00a0 2 person  ")).toBe("Trailhead Tent, 2 person");
  });

  it("writes units one way: a space, then the unit in its usual case", () => {
    expect(normalizeTitle("Flour 1KG")).toBe("Flour 1 kg");
    expect(normalizeTitle("Flour 1 Kg")).toBe("Flour 1 kg");
    expect(normalizeTitle("Olive oil 0,5L")).toBe("Olive oil 0,5 L");
    expect(normalizeTitle("Rope 10M, 250 ML bottle, 16OZ")).toBe("Rope 10 m, 250 ml bottle, 16 oz");
    // Codes that merely end in a unit's letters are not quantities.
    expect(normalizeTitle("Tent AO-2M X100G")).toBe("Tent AO-2M X100G");
    expect(normalizeTitle("Gloves size M")).toBe("Gloves size M");
  });

  it("gives a shouted or all-lower-case title title case, keeping codes and small words as they are", () => {
    expect(normalizeTitle("TRAILHEAD TENT FOR 2P")).toBe("Trailhead Tent for 2P");
    expect(normalizeTitle("pocket camp stove")).toBe("Pocket Camp Stove");
    expect(normalizeTitle("WATER-PROOF JACKET 1KG")).toBe("Water-Proof Jacket 1 kg");
    expect(normalizeTitle("CAFÉ CRÈME")).toBe("Café Crème");
  });

  it("leaves a title's own mixed casing alone", () => {
    expect(normalizeTitle("iPhone case by McAlister")).toBe("iPhone case by McAlister");
  });
});

describe("line normalization", () => {
  it("trims SKUs, and a blank SKU is no SKU", () => {
    expect(normalizeSku("  AO-1 ")).toBe("AO-1");
    expect(normalizeSku("   ")).toBeNull();
    expect(normalizeSku(null)).toBeNull();
  });

  it("merges lines with the same SKU into the first, adding up the quantities and saying which lines it holds", () => {
    const { lines, report } = normalizeLines([
      line(2, { sku: "AO-1", title: "TENT", quantity: 2, unitCost: 10 }),
      line(3, { sku: "AO-2", quantity: 1 }),
      line(4, { sku: " AO-1 ", title: "Tent (again)", quantity: 3, unitCost: 20 }),
      line(5, { sku: null, title: "No sku" }),
      line(6, { sku: null, title: "No sku" }),
    ]);
    expect(lines.map((l) => [l.lineNumber, l.sku, l.title, l.quantity])).toEqual([
      [2, "AO-1", "Tent", 5],
      [3, "AO-2", "Item 3", 1],
      // Lines without a SKU are never merged: nothing says they are the same product.
      [5, null, "No sku", 1],
      [6, null, "No sku", 1],
    ]);
    // The total cost is kept: 2 × 10 + 3 × 20 = 80 for 5.
    expect(lines[0]!.unitCost).toBe(16);
    expect(lines[0]!.mergedLines).toEqual([
      { lineNumber: 2, quantity: 2, unitCost: 10 },
      { lineNumber: 4, quantity: 3, unitCost: 20 },
    ]);
    expect(lines[1]!.mergedLines).toBeUndefined();
    expect(report).toEqual({ titlesChanged: 1, skusTrimmed: 1, merged: [{ sku: "AO-1", lineNumbers: [2, 4], quantity: 5 }] });
  });

  it("sums quantities to four decimals, and a merge where no line had a cost has none", () => {
    const { lines } = normalizeLines([
      line(1, { sku: "A", quantity: 0.1, unitCost: null }),
      line(2, { sku: "A", quantity: 0.2, unitCost: null }),
    ]);
    expect(lines).toMatchObject([{ quantity: 0.3, unitCost: null }]);
  });
});

describe("merchant rules", () => {
  it("price every line that has a unit cost, and report how many", () => {
    const settings = { ...DEFAULT_SETTINGS, pricing: { markup: 2, rounding: ".99" as const, minimumMarginPercent: 0 } };
    const { lines, report } = applyMerchantRules([line(1), line(2, { unitCost: null })], settings);
    expect(lines.map((l) => l.retailPrice)).toEqual([20.99, null]);
    expect(report).toEqual({ pricing: settings.pricing, priced: 1, withoutPrice: 1 });
    expect(applyMerchantRules([line(1)], DEFAULT_SETTINGS).lines[0]!.retailPrice).toBeNull();
  });
});
