import { describe, expect, it } from "vitest";
import { diffStates } from "../../src/audit/diff.ts";

describe("the field-level diff between two states", () => {
  it("names each changed leaf by its path, array items by index", () => {
    const before = { status: "active", title: "Tent", images: [{ imageId: "a", decision: "pending" }], tags: ["x"] };
    const after = { status: "active", title: "Tent XL", images: [{ imageId: "a", decision: "approved" }], tags: ["x"] };
    expect(diffStates(before, after)).toEqual([
      { path: "title", before: "Tent", after: "Tent XL" },
      { path: "images[0].decision", before: "pending", after: "approved" },
    ]);
  });

  it("gives a field or item added no before, and one removed no after", () => {
    expect(diffStates({ a: 1, list: [1] }, { b: 2, list: [1, 2] })).toEqual([
      { path: "a", before: 1 },
      { path: "list[1]", after: 2 },
      { path: "b", after: 2 },
    ]);
  });

  it("treats a change of kind (object to value, null to object) as one change, and equal states as none", () => {
    expect(diffStates({ reviewer: null }, { reviewer: { kind: "merchant" } })).toEqual([
      { path: "reviewer", before: null, after: { kind: "merchant" } },
    ]);
    expect(diffStates({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });
});
