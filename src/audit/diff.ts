/** One field that differs between two states, at its dotted path (array items by index). */
export type FieldChange = { path: string; before?: unknown; after?: unknown };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The field-level difference between two JSON states: a field added has no `before`, one removed no
 * `after`. Objects and arrays are compared field by field, so a change deep inside names its leaf.
 */
export function diffStates(before: unknown, after: unknown, path = ""): FieldChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
    return keys.flatMap((key) => diffEntry(before, after, key, path ? `${path}.${key}` : key));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const length = Math.max(before.length, after.length);
    return Array.from({ length }, (_, index) => index).flatMap((index) => diffEntry(before, after, index, `${path}[${index}]`));
  }
  return Object.is(before, after) || JSON.stringify(before) === JSON.stringify(after) ? [] : [{ path, before, after }];
}

function diffEntry(before: object, after: object, key: string | number, path: string): FieldChange[] {
  const had = Object.hasOwn(before, key);
  const has = Object.hasOwn(after, key);
  const old = (before as Record<string | number, unknown>)[key];
  const now = (after as Record<string | number, unknown>)[key];
  if (had && has) return diffStates(old, now, path);
  if (has) return [{ path, after: now }];
  if (had) return [{ path, before: old }];
  return [];
}
