import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LineItem, ParseProblem } from "../../src/domain/purchaseOrder.ts";
import { parsePurchaseOrder, type ParseOutcome } from "../../src/parsing/purchaseOrderParser.ts";
import { mutationOf } from "../support/fileMutations.ts";

/**
 * Every file format the upload accepts, with its valid samples. A new parser (XLSX, PDF) joins the
 * list with its samples and gets every property below.
 */
const formats: { name: string; parse: (bytes: Uint8Array) => ParseOutcome; samples: string[] }[] = [
  {
    name: "delimited text (CSV, TSV, semicolons)",
    parse: parsePurchaseOrder,
    samples: ["acme-outdoor.csv", "nordic-kitchen.ssv.csv", "bright-stationery.tsv"],
  },
];

/** What the upload records from an outcome: it must match the events' schemas and be storable as it is. */
const Outcome = z.union([
  z.object({ ok: z.literal(true), delimiter: z.string(), lineItems: z.array(LineItem).min(1) }),
  z.object({ ok: z.literal(false), errors: z.array(ParseProblem).min(1).max(100) }),
]);

function expectStructured(parse: (bytes: Uint8Array) => ParseOutcome, bytes: Uint8Array) {
  const outcome = parse(bytes);
  expect(Outcome.safeParse(outcome).error).toBeUndefined();
  // PostgreSQL's jsonb and text columns refuse NUL, whichever event log and read model it ends in.
  expect(JSON.stringify(outcome)).not.toContain("\\u0000");
  const lines = bytes.filter((b) => b === 0x0a || b === 0x0d).length + 1;
  const located = outcome.ok ? outcome.lineItems.map((i) => i.lineNumber) : outcome.errors.map((e) => e.line);
  for (const line of located) expect(line).toBeLessThanOrEqual(lines);
}

/** Text built from the pieces purchase orders are made of, so generated files get past the header. */
const CSV_PIECES = [
  "SKU",
  "Qty",
  "Title",
  "Unit cost",
  "Total",
  ",",
  ";",
  "\t",
  '"',
  "\n",
  "\r\n",
  " ",
  "1",
  "0",
  "-2",
  "1,5",
  "1.234,00",
  "$",
  "(3)",
  "€",
  "\0",
  "1e400",
  "é",
];
const csvLikeText = fc.array(fc.constantFrom(...CSV_PIECES), { maxLength: 80 }).map((pieces) => new TextEncoder().encode(pieces.join("")));

describe.each(formats)("the $name parser, given hostile input", ({ parse, samples }) => {
  it("answers arbitrary bytes with line items or located problems, never a throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => expectStructured(parse, bytes)),
      { numRuns: 300 },
    );
  });

  it("answers text made of purchase-order pieces the same way", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("SKU,Title,Qty,Unit cost\n", "SKU;Title;Qty;Unit cost\n", "SKU\tTitle\tQty\n", ""),
        csvLikeText,
        (header, body) => expectStructured(parse, Uint8Array.from([...new TextEncoder().encode(header), ...body])),
      ),
      { numRuns: 500 },
    );
  });

  it.each(samples)("answers mutations of %s the same way", (sample) => {
    const file = new Uint8Array(readFileSync(new URL(`../../samples/${sample}`, import.meta.url)));
    fc.assert(
      fc.property(mutationOf(file), (bytes) => expectStructured(parse, bytes)),
      { numRuns: 300 },
    );
  });
});
