import { describe, expect, it } from "vitest";
import { groupTables, type GroupName } from "../../src/audit/readModelTables.ts";
import { projectionGroups } from "../../src/projections/registry.ts";

/** The tables a projection's reset empties, by the Prisma models it touches (delegates are the model names, camel-cased). */
async function tablesResetBy(reset: (tx: never) => Promise<unknown>): Promise<string[]> {
  const touched = new Set<string>();
  const model = new Proxy({}, { get: () => async () => ({ count: 0 }) });
  const tx = new Proxy({}, { get: (_, name) => (touched.add(String(name)), model) });
  await reset(tx as never);
  return [...touched].filter((name) => !name.startsWith("$")).map((name) => name[0]!.toUpperCase() + name.slice(1));
}

describe("the tables a rebuild writes", () => {
  it("include every table a group's projections keep, so a new read model cannot be left out of the shadow schema", async () => {
    for (const [group, projections] of Object.entries(projectionGroups) as [GroupName, (typeof projectionGroups)[GroupName]][])
      for (const projection of projections)
        for (const table of await tablesResetBy(projection.reset))
          expect({ group, table, listed: groupTables[group].includes(table) }).toEqual({ group, table, listed: true });
  });
});
