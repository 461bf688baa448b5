import type { RowBatch } from "./rowBatch.ts";
import type { ProjectionTransaction } from "./projection.ts";

/** Each table's parents: the tables its foreign keys reference. */
export type ForeignKeys = ReadonlyMap<string, readonly string[]>;

const DELETES = new Set(["delete", "deleteMany"]);

function closure(start: string, next: (table: string) => readonly string[]): Set<string> {
  const seen = new Set([start]);
  for (const table of seen) for (const other of next(table)) seen.add(other);
  return seen;
}

/**
 * A transaction that writes a batch's held rows only when a Prisma call is about to need them,
 * instead of all of them before every write: a delete needs the table's held rows and its
 * descendants' (a cascade must find them), anything else those of the table and its ancestors (a
 * foreign key must find its parent). A table's held rows are always written with its descendants',
 * so no child's rows are ever left held behind a parent's written later. Raw SQL, or a model the
 * keys do not name, writes everything first, as before. The rows come out the same; what changes is
 * how many statements they take when writes interleave with them (a rebuild's pages).
 */
export function writingHeldRowsWhenNeeded(tx: ProjectionTransaction, rows: RowBatch, keys: ForeignKeys): ProjectionTransaction {
  const children = new Map<string, string[]>();
  for (const [table, parents] of keys) for (const parent of parents) children.set(parent, [...(children.get(parent) ?? []), table]);
  const ancestors = (table: string) => closure(table, (t) => keys.get(t) ?? []);
  const descendants = (table: string) => closure(table, (t) => children.get(t) ?? []);
  const related = (table: string, operation: string): ((name: string) => boolean) => {
    if (!keys.has(table)) return () => true;
    const needed = DELETES.has(operation) ? [table] : [...ancestors(table)];
    const tied = new Set(needed.flatMap((t) => [...descendants(t)]));
    return (name) => tied.has(name);
  };
  return new Proxy(tx, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== "string" || value === null || (typeof value !== "object" && typeof value !== "function")) return value;
      if (typeof value === "function")
        return async (...args: unknown[]) => {
          await rows.flush(target);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      // A model's delegate, `tx.productDraft`: its table is the model's name.
      const table = property.charAt(0).toUpperCase() + property.slice(1);
      return new Proxy(value, {
        get(delegate, operation, delegateReceiver) {
          const method: unknown = Reflect.get(delegate, operation, delegateReceiver);
          if (typeof method !== "function" || typeof operation !== "string") return method;
          return async (...args: unknown[]) => {
            await rows.flushTables(target, related(table, operation));
            return (method as (...a: unknown[]) => unknown).apply(delegate, args);
          };
        },
      });
    },
  });
}
