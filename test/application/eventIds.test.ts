import fc from "fast-check";
import { v5 as uuidv5 } from "uuid";
import { describe, expect, it } from "vitest";
import { derivedId } from "../../src/application/eventIds.ts";

describe("derived ids", () => {
  it("are the UUID v5 of their parts, as every id already in a log was derived", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: "grapheme" }), { minLength: 1, maxLength: 4 }), (parts) => {
        expect(derivedId(...parts)).toBe(uuidv5(parts.join("\u241f"), "6f1c3f5e-8a2b-4f7d-9c1e-2b7a4d9e0c31"));
      }),
      { numRuns: 500 },
    );
    // A draft's id as the first builds derived it: logs written then must keep their ids.
    expect(derivedId("draft", "5b0f7c1e-2f4d-4a7e-9b1a-0c2d3e4f5a6b", "1")).toBe("b985bc0a-081b-5aec-8356-7a54559cde11");
  });
});
