/**
 * Reads the numbers merchants' spreadsheets export: currency symbols and codes, thousands
 * separators, decimal commas, negatives in parentheses. Returns undefined for anything else.
 */
export function parseAmount(raw: string, decimalComma: boolean): number | undefined {
  let text = raw
    .replace(/[\s\u00a0]/g, "")
    .replace(/^(USD|EUR|GBP|CAD|AUD|CHF|SEK|NOK|DKK|JPY)|(USD|EUR|GBP|CAD|AUD|CHF|SEK|NOK|DKK|JPY)$/i, "");
  text = text.replace(/[$€£¥]/g, "");
  let negative = false;
  if (/^\(.*\)$/.test(text)) {
    negative = true;
    text = text.slice(1, -1);
  }
  if (text.startsWith("-")) {
    negative = !negative;
    text = text.slice(1);
  }
  if (!/^[\d.,]+$/.test(text) || !/\d/.test(text)) return undefined;
  const normalized = normalizeSeparators(text, decimalComma);
  if (normalized === undefined) return undefined;
  const value = Number(normalized);
  if (!Number.isFinite(value)) return undefined;
  return negative ? -value : value;
}

function normalizeSeparators(text: string, decimalComma: boolean): string | undefined {
  const lastDot = text.lastIndexOf(".");
  const lastComma = text.lastIndexOf(",");
  if (lastDot !== -1 && lastComma !== -1) {
    // Both present: whichever comes last is the decimal separator.
    const [thousands, decimal] = lastComma > lastDot ? [".", ","] : [",", "."];
    if (text.split(decimal).length > 2) return undefined;
    return text.split(thousands).join("").replace(decimal, ".");
  }
  if (lastComma !== -1) {
    const groups = text.split(",");
    const looksLikeThousands = groups.length > 1 && groups.slice(1).every((g) => g.length === 3) && !decimalComma;
    if (looksLikeThousands) return groups.join("");
    return groups.length === 2 ? groups.join(".") : undefined;
  }
  if (lastDot !== -1 && text.split(".").length > 2) {
    const groups = text.split(".");
    return groups.slice(1).every((g) => g.length === 3) ? groups.join("") : undefined;
  }
  return text;
}
