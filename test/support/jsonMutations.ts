import fc from "fast-check";

type Path = (string | number)[];

function pathsOf(value: unknown, at: Path = []): Path[] {
  if (Array.isArray(value)) return [at, ...value.flatMap((item, i) => pathsOf(item, [...at, i]))];
  if (value !== null && typeof value === "object")
    return [at, ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...at, key]))];
  return [at];
}

/** `at` picks one of the document's paths as it is when the edit applies (earlier edits change them). */
type Edit = { at: number; op: "replace" | "remove" | "add"; key: string; value: unknown };

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

function apply(document: unknown, { at, op, key, value }: Edit): unknown {
  const paths = pathsOf(document);
  const path = paths[at % paths.length]!;
  if (path.length === 0) return op === "add" && isRecord(document) ? { ...document, [key]: value } : value;
  const copy = structuredClone(document) as Record<string | number, unknown>;
  const parent = path
    .slice(0, -1)
    .reduce<Record<string | number, unknown>>((node, step) => node[step] as Record<string | number, unknown>, copy);
  const last = path.at(-1)!;
  if (op === "remove") {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else if (op === "add" && isRecord(parent[last])) {
    // As JSON.parse makes it: an own property even when named __proto__.
    Object.defineProperty(parent[last], key, { value, enumerable: true, writable: true, configurable: true });
  } else parent[last] = value;
  return copy;
}

/** A JSON document after one to three edits: a value anywhere replaced by any JSON, removed, or a key added. */
export const jsonMutationOf = (document: unknown): fc.Arbitrary<unknown> => {
  const edit = fc.record({
    at: fc.nat(),
    op: fc.constantFrom("replace", "remove", "add"),
    key: fc.oneof(fc.string(), fc.constantFrom("type", "__proto__", "constructor", "draftId")),
    value: fc.jsonValue({ maxDepth: 3 }),
  }) as fc.Arbitrary<Edit>;
  return fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => edits.reduce(apply, document));
};
