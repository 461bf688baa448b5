import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.ts";
import { openDatabase } from "../../src/db/database.ts";
import { PostgresEventStore } from "../../src/eventstore/postgres.ts";
import { createServerDatabase, testServerUrl } from "../support/database.ts";
import { rebuiltReadModels, snapshotReadModels } from "../support/readModels.ts";
import { adminKey, startTestSystem, type TestSystem } from "../support/system.ts";

type Verification = { verified: number; unchained: number; problem: { kind: string; position: string } | null };

describe("the log's hash chain: verify-log, export and import", () => {
  let t: TestSystem;
  let directory: string;
  const cli = async (args: string[], env: NodeJS.ProcessEnv = { ADMIN_KEY: adminKey, PO_PIPELINE_URL: t.baseUrl }) => {
    const lines: string[] = [];
    const code = await runCli(["audit", ...args], env, (line) => lines.push(line));
    return { code, output: lines.join("\n") };
  };
  const verifyLog = async () => (await (await t.api("/admin/audit/verify-log", { as: { key: adminKey } })).json()) as Verification;
  const eventAt = async (type: string) =>
    (
      await t.database.prisma.$queryRawUnsafe<{ position: bigint }[]>(
        `SELECT position FROM event_log WHERE event_type = $1 ORDER BY position LIMIT 1`,
        type,
      )
    )[0]!.position;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "po-audit-"));
    t = await startTestSystem();
    for (const n of [1, 2]) {
      const { id } = (await (await t.upload(`chain-${n}.csv`, `SKU,Title,Qty\nC${n}-1,Mug ${n},1\nC${n}-2,Plate ${n},2\n`)).json()) as {
        id: string;
      };
      await t.eventually<{ status: string }>(`/purchase-orders/${id}`, (b) => b.status === "complete");
    }
    // The chain follows the settled log on its own; wait until it has every event.
    const deadline = Date.now() + 10_000;
    while ((await verifyLog()).unchained > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  });
  afterAll(async () => {
    await t?.stop();
    await rm(directory, { recursive: true, force: true });
  });

  it("given an untouched log, when verified, then every event checks out and the exit code is 0", async () => {
    const { code, output } = await cli(["verify-log"]);
    expect(output).toContain('"problem": null');
    expect(code).toBe(0);
    expect((await verifyLog()).verified).toBeGreaterThan(10);
  });

  it("given a whole-log export imported into a fresh database, then the projectors build read models equal to the live ones", async () => {
    const file = join(directory, "log.ndjson");
    expect((await cli(["export", "--out", file])).code).toBe(0);
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    const [count] = await t.database.prisma.$queryRawUnsafe<{ n: bigint }[]>("SELECT count(*) AS n FROM event_log");
    expect(lines).toHaveLength(Number(count!.n));
    expect(lines.every((line) => /"hash":"[0-9a-f]{64}"/.test(line))).toBe(true);

    const fresh = await createServerDatabase(testServerUrl());
    try {
      const imported = await cli(["import", file], { DATABASE_URL: fresh.url });
      expect(imported.output).toContain(`imported ${lines.length} events`);
      expect(imported.code).toBe(0);
      const database = await openDatabase({ databaseUrl: fresh.url });
      const store = new PostgresEventStore(database.url);
      try {
        expect(await rebuiltReadModels(store, database.prisma)).toEqual(await snapshotReadModels(t.database.prisma));
      } finally {
        await store.close();
        await database.close();
      }
    } finally {
      await fresh.drop();
    }
  });

  it("given an export with one event's data edited, when imported, then it is refused naming the line and nothing is written", async () => {
    const file = join(directory, "tampered.ndjson");
    await cli(["export", "--out", file]);
    const lines = (await readFile(file, "utf8")).trim().split("\n");
    const at = lines.findIndex((line) => line.includes('"type":"DraftCreated"'));
    lines[at] = lines[at]!.replace('"title":"', '"title":"Forged ');
    await writeFile(file, `${lines.join("\n")}\n`);
    const fresh = await createServerDatabase(testServerUrl());
    try {
      const { code, output } = await cli(["import", file], { DATABASE_URL: fresh.url });
      expect(output).toContain(`line ${at + 1}: position`);
      expect(output).toContain("does not match its hash");
      expect(code).toBe(1);
      const database = await openDatabase({ databaseUrl: fresh.url });
      expect(await database.prisma.storedEvent.count()).toBe(0);
      await database.close();
    } finally {
      await fresh.drop();
    }
  });

  it("given a merchant's export, then it holds that merchant's events only, each with the hash before it", async () => {
    const response = await t.api("/admin/audit/export?merchant=merchant-b", { as: { key: adminKey } });
    expect(await response.text()).toBe("");
    const mine = (await (await t.api("/admin/audit/export?merchant=merchant-a", { as: { key: adminKey } })).text()).trim().split("\n");
    expect(mine.length).toBeGreaterThan(10);
    expect(mine.slice(1).every((line) => /"previousHash":"[0-9a-f]{64}"/.test(line))).toBe(true);
  });

  it("given an event's data altered in the table, when verified, then verify-log names its position as altered and exits 1", async () => {
    const position = await eventAt("DraftCreated");
    const [original] = await t.database.prisma.$queryRawUnsafe<{ data: unknown }[]>(
      "SELECT data FROM event_log WHERE position = $1",
      position,
    );
    await t.database.prisma.$executeRawUnsafe(
      `UPDATE event_log SET data = jsonb_set(data, '{title}', '"Forged"') WHERE position = $1`,
      position,
    );
    const { code, output } = await cli(["verify-log"]);
    expect(output).toContain(`the log was tampered with: event at position ${position} altered`);
    expect(code).toBe(1);
    await t.database.prisma.$executeRawUnsafe(
      "UPDATE event_log SET data = $2::jsonb WHERE position = $1",
      position,
      JSON.stringify(original!.data),
    );
    expect((await verifyLog()).problem).toBeNull();
  });

  it("given an event deleted from the table, when verified, then verify-log names its position as removed", async () => {
    const position = await eventAt("StageCompleted");
    await t.database.prisma.$executeRawUnsafe("DELETE FROM event_log WHERE position = $1", position);
    expect((await verifyLog()).problem).toEqual({ kind: "removed", position: position.toString() });
  });
});
