export type Field = "sku" | "title" | "quantity" | "unitCost";
export type ColumnMap = Partial<Record<Field, number>>;

const SYNONYMS: Record<Field, string[]> = {
  sku: ["sku", "item #", "item no", "item number", "vendor sku", "supplier sku", "reference", "ref", "part number", "product code", "code"],
  title: ["title", "description", "product name", "product", "item description", "name"],
  quantity: ["quantity", "qty", "qty ordered", "order qty", "ordered", "units"],
  unitCost: ["unit cost", "unit price", "cost", "price", "price each", "cost each"],
};

const normalize = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9#]+/g, " ")
    .trim();
const lookup = new Map<string, Field>(
  (Object.entries(SYNONYMS) as [Field, string[]][]).flatMap(([field, names]) => names.map((name) => [normalize(name), field] as const)),
);

export const EXPECTED_COLUMNS =
  "a quantity column (Qty, Quantity, Order Qty…) and a title or SKU column (Description, Title, SKU, Item #…)";

/** The columns of a header row, or undefined if the row is not a usable header. */
export function headerColumns(cells: string[]): ColumnMap | undefined {
  const columns: ColumnMap = {};
  cells.forEach((cell, index) => {
    const field = lookup.get(normalize(cell));
    if (field && columns[field] === undefined) columns[field] = index;
  });
  const usable = columns.quantity !== undefined && (columns.title !== undefined || columns.sku !== undefined);
  return usable ? columns : undefined;
}

const TOTALS = /^(sub-?total|tax|vat|gst|total|grand total|shipping|freight|discount|handling)\s*:?$/i;
export const isTotalsLabel = (text: string) => TOTALS.test(text.trim());
