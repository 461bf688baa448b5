import { describe, expect, it } from "vitest";
import type { PricingRule } from "../../src/domain/merchantSettings.ts";
import { retailPriceFor } from "../../src/domain/pricing.ts";

const rule = (overrides: Partial<PricingRule> = {}): PricingRule => ({
  markup: 2,
  rounding: "none",
  minimumMarginPercent: 0,
  ...overrides,
});

describe("retail price from the merchant's rule", () => {
  it("is the unit cost times the markup", () => {
    expect(retailPriceFor(12.5, rule())).toBe(25);
    // 0.1 × 3 is 0.30000000000000004 in floating point: still 30 cents.
    expect(retailPriceFor(0.1, rule({ markup: 3 }))).toBe(0.3);
    expect(retailPriceFor(3.333, rule({ markup: 1 }))).toBe(3.34);
  });

  it("rounds up to .99, .95 or a whole amount", () => {
    expect(retailPriceFor(12.5, rule({ rounding: ".99" }))).toBe(25.99);
    expect(retailPriceFor(12.995, rule({ rounding: ".99" }))).toBe(25.99);
    expect(retailPriceFor(13, rule({ rounding: ".99" }))).toBe(26.99);
    expect(retailPriceFor(12.5, rule({ rounding: ".95" }))).toBe(25.95);
    expect(retailPriceFor(12.47, rule({ rounding: ".95" }))).toBe(24.95);
    expect(retailPriceFor(12.01, rule({ rounding: "whole" }))).toBe(25);
    expect(retailPriceFor(12.5, rule({ rounding: "whole" }))).toBe(25);
    expect(retailPriceFor(0.2, rule({ rounding: ".99" }))).toBe(0.99);
  });

  it("keeps the minimum margin when the markup alone would not", () => {
    // A 1.2 markup leaves 16.7 %; a 40 % margin needs cost / 0.6.
    expect(retailPriceFor(30, rule({ markup: 1.2, minimumMarginPercent: 40 }))).toBe(50);
    expect(retailPriceFor(10, rule({ markup: 1.2, minimumMarginPercent: 40, rounding: ".99" }))).toBe(16.99);
    // The markup already gives more than the margin asks.
    expect(retailPriceFor(10, rule({ markup: 3, minimumMarginPercent: 40 }))).toBe(30);
  });

  it("gives no price without a unit cost or without a rule", () => {
    expect(retailPriceFor(null, rule())).toBeNull();
    expect(retailPriceFor(10, null)).toBeNull();
  });
});
