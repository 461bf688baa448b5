import type { RowBatch } from "./rowBatch.ts";
import type { ProjectionTransaction } from "./projection.ts";

/** Each table's parents: the tables its foreign keys reference. */
export type ForeignKeys = ReadonlyMap<string, readonly string[]>;

const DELETES = new Set(["delete", "deleteMany"]);

function closure(start: Iterable<string>, next: (table: string) => readonly string[]): Set<string> {
  const seen = new Set(start);
  for (const table of seen) for (const other of next(table)) seen.add(other);
  return seen;
}

/** How far below its roots a table lies: parents are written before their children. */
export function depthsOf(keys: ForeignKeys): (table: string) => number {
  const depths = new Map<string, number>();
  const depth = (table: string, path: readonly string[] = []): number => {
    const known = depths.get(table);
    if (known !== undefined) return known;
    const parents = (keys.get(table) ?? []).filter((parent) => !path.includes(parent));
    const value = parents.length === 0 ? 0 : 1 + Math.max(...parents.map((parent) => depth(parent, [...path, table])));
    depths.set(table, value);
    return value;
  };
  return (table) => depth(table);
}

/**
 * A transaction that writes a batch's held rows only when a Prisma call is about to need them,
 * instead of all of them before every write: a delete needs the held rows of its table's
 * descendants (a cascade must find them), any call those of its table, and any table written needs
 * its ancestors' first (a foreign key must find its parent); they go parents first. Raw SQL, or a
 * model the keys do not name, writes everything first, as before. The rows come out the same; what
 * changes is how many statements they take when writes interleave with them (a rebuild's pages).
 */
export function writingHeldRowsWhenNeeded(tx: ProjectionTransaction, rows: RowBatch, keys: ForeignKeys): ProjectionTransaction {
  const children = new Map<string, string[]>();
  for (const [table, parents] of keys) for (const parent of parents) children.set(parent, [...(children.get(parent) ?? []), table]);
  const depth = depthsOf(keys);
  const related = (table: string, operation: string): ((name: string) => boolean) => {
    if (!keys.has(table)) return () => true;
    const touched = DELETES.has(operation) ? closure([table], (t) => children.get(t) ?? []) : [table];
    const tied = closure(touched, (t) => keys.get(t) ?? []);
    return (name) => tied.has(name);
  };
  return new Proxy(tx, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== "string" || value === null || (typeof value !== "object" && typeof value !== "function")) return value;
      if (typeof value === "function")
        return async (...args: unknown[]) => {
          await rows.flushTables(target, () => true, depth);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      // A model's delegate, `tx.productDraft`: its table is the model's name.
      const table = property.charAt(0).toUpperCase() + property.slice(1);
      return new Proxy(value, {
        get(delegate, operation, delegateReceiver) {
          const method: unknown = Reflect.get(delegate, operation, delegateReceiver);
          if (typeof method !== "function" || typeof operation !== "string") return method;
          return async (...args: unknown[]) => {
            await rows.flushTables(target, related(table, operation), depth);
            return (method as (...a: unknown[]) => unknown).apply(delegate, args);
          };
        },
      });
    },
  });
}
