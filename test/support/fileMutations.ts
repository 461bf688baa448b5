import fc from "fast-check";

/** Bytes that tend to matter to some file format: delimiters, quotes, line ends, NUL, a BOM, odd numbers. */
const TOKENS = [
  ",",
  ";",
  "\t",
  '"',
  "'",
  "\n",
  "\r",
  "\r\n",
  "\0",
  " ",
  "-",
  "(",
  ")",
  "$",
  "€",
  "1e400",
  "NaN",
  "0x1F",
  "Total",
  "\uFEFF",
  "é",
]
  .map((token) => new TextEncoder().encode(token))
  .concat([Uint8Array.of(0xff), Uint8Array.of(0xfe, 0xff), Uint8Array.of(0xc3), Uint8Array.of(0xed, 0xa0, 0x80)]);

type Edit = { kind: "insert" | "replace" | "delete" | "duplicate" | "truncate"; at: number; length: number; bytes: Uint8Array };

const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom("insert", "replace", "delete", "duplicate", "truncate"),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 40 }),
  bytes: fc.oneof(fc.constantFrom(...TOKENS), fc.uint8Array({ minLength: 1, maxLength: 8 })),
});

function apply(file: Uint8Array, { kind, at, length, bytes }: Edit): Uint8Array {
  const i = at % (file.length + 1);
  const before = file.subarray(0, i);
  switch (kind) {
    case "insert":
      return concat(before, bytes, file.subarray(i));
    case "replace":
      return concat(before, bytes, file.subarray(i + bytes.length));
    case "delete":
      return concat(before, file.subarray(i + length));
    case "duplicate":
      return concat(file.subarray(0, i + length), file.subarray(i));
    case "truncate":
      return before;
  }
}

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));

/**
 * A valid file after one to five edits a careless export, a transfer or an attacker might make:
 * bytes inserted, overwritten, deleted, duplicated, or the file cut short. Format-agnostic, so the
 * same arbitrary serves every parser (delimited text today, spreadsheets and PDFs later).
 */
export const mutationOf = (file: Uint8Array): fc.Arbitrary<Uint8Array> =>
  fc.array(edit, { minLength: 1, maxLength: 5 }).map((edits) => edits.reduce(apply, file));
