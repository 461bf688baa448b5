import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.ts";
import { adminKey, startTestSystem, type TestSystem } from "../support/system.ts";

/** The whole stream, read to its end: the route ends it with the report. */
async function serverSentEvents(response: Response) {
  return (await response.text())
    .split("\n\n")
    .map((block) =>
      Object.fromEntries(block.split("\n").map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 2)])),
    )
    .filter((fields) => fields.event)
    .map((fields) => ({ event: fields.event as string, data: JSON.parse(fields.data as string) as unknown }));
}

type PurchaseOrderBody = { status: string; drafts: { id: string; title: string }[] };

describe("audit verify: replay every projection into a shadow schema and compare", () => {
  let t: TestSystem;
  let draftId: string;
  let purchaseOrderId: string;
  const cli = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await runCli(["audit", ...args], { ADMIN_KEY: adminKey, PO_PIPELINE_URL: t.baseUrl }, (line) => lines.push(line));
    return { code, output: lines.join("\n") };
  };

  beforeAll(async () => {
    t = await startTestSystem();
    const { id } = (await (await t.upload("verify.csv", "SKU,Title,Qty\nV-1,Blue mug,1\nV-2,Oak board,2\n")).json()) as { id: string };
    purchaseOrderId = id;
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.status === "complete");
    draftId = po.drafts.find((draft) => draft.title === "Blue mug")!.id;
  });
  afterAll(() => t?.stop());

  it("given read models that follow the log, when verified, then nothing differs and the exit code is 0", async () => {
    const { code, output } = await cli("verify");
    expect(output).toContain("no differences");
    expect(code).toBe(0);
  });

  it("given a draft's title changed with SQL behind the app's back, when verified, then the table, key, column and both values are reported and the exit code is 1", async () => {
    await t.database.prisma.$executeRawUnsafe(`UPDATE "ProductDraft" SET title = 'Tampered' WHERE id = $1::uuid`, draftId);
    const { code, output } = await cli("verify", "--projection", "read-models");
    expect(output).toContain(`ProductDraft {"id":"${draftId}"} title: live "Tampered", rebuilt "Blue mug"`);
    expect(code).toBe(1);
  });

  it("given a row deleted with SQL, when verified over HTTP, then the progress and the missing row arrive as server-sent events", async () => {
    await t.database.prisma.$executeRawUnsafe(
      `DELETE FROM "WorkflowStage" WHERE "purchaseOrderId" = $1::uuid AND stage = 'parse'`,
      purchaseOrderId,
    );
    const response = await t.api("/admin/audit/verify?projections=stage-log", {
      method: "POST",
      as: { key: adminKey },
      headers: { accept: "text/event-stream" },
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    const events = await serverSentEvents(response);
    expect(events.some((e) => e.event === "progress")).toBe(true);
    const differences = events
      .filter((e) => e.event === "difference")
      .map((e) => e.data as { table: string; column: string; live: unknown });
    expect(differences).toEqual([expect.objectContaining({ table: "WorkflowStage", column: "(row)", live: null })]);
    const result = events.find((e) => e.event === "result")!.data as { groups: string[]; differences: number };
    expect(result).toMatchObject({ groups: ["stage-log"], differences: 1 });
  });

  it("given the deleted row, when verified by a client that does not ask for an event stream, then the report comes as JSON", async () => {
    const response = await t.api("/admin/audit/verify?projections=stage-log", { method: "POST", as: { key: adminKey } });
    expect(response.status).toBe(200);
    const report = (await response.json()) as { differences: { table: string; column: string }[]; swapped: boolean };
    expect(report).toMatchObject({ differences: [{ table: "WorkflowStage", column: "(row)" }], swapped: false });
  });

  it("given a verification already running, when another one is asked for, then it is refused and the running one's shadow is left alone", async () => {
    const running = new pg.Client({ connectionString: t.database.url });
    await running.connect();
    try {
      await running.query("select pg_advisory_lock(hashtextextended('audit:verify', 1))");
      await running.query("create schema audit_shadow");
      const { code, output } = await cli("verify");
      expect(output).toContain("Another read-model verification is running");
      expect(code).toBe(1);
      const { rows } = await running.query("select 1 from pg_namespace where nspname = 'audit_shadow'");
      expect(rows).toHaveLength(1);
      await running.query("drop schema audit_shadow");
    } finally {
      await running.end();
    }
  });

  it("given an unknown projection, when verified over HTTP, then it answers 400 naming it", async () => {
    const response = await t.api("/admin/audit/verify?projections=stage-log,nope", { method: "POST", as: { key: adminKey } });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("querystring.projections.1");
  });

  it("given the tampered rows, when verified with --swap, then the rebuilt tables go live, the projector carries on and a second verify finds nothing", async () => {
    const { code, output } = await cli("verify", "--swap");
    expect(output).toContain("the rebuilt read models are live now");
    expect(code).toBe(1);
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${purchaseOrderId}`, (b) => b.status === "complete");
    expect(po.drafts.map((draft) => draft.title).sort()).toEqual(["Blue mug", "Oak board"]);
    // The live projectors go on writing into the swapped tables.
    const { id } = (await (await t.upload("after-swap.csv", "SKU,Title,Qty\nS-1,Teapot,1\n")).json()) as { id: string };
    await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.status === "complete" && b.drafts.length === 1);
    const again = await cli("verify");
    expect(again.output).toContain("no differences");
    expect(again.code).toBe(0);
  });

  it("given an event in the log that decodes but cannot be written (images of a draft that does not exist), when verified, then it is skipped as the live projector quarantined it, and nothing differs", async () => {
    const draftId = randomUUID();
    const position = (
      await t.system.store.appendToStream(`draft-${draftId}`, [
        {
          id: randomUUID(),
          type: "ImagesAttached",
          data: {
            draftId,
            searchId: randomUUID(),
            source: "catalog",
            images: [{ imageId: randomUUID(), url: "https://x.test/a.jpg", source: "catalog" }],
          },
          metadata: {
            merchantId: "merchant-a",
            correlationId: randomUUID(),
            causationId: randomUUID(),
            actor: "system:test",
            schemaVersion: 1,
          },
        },
      ])
    ).position;
    const quarantined = async () =>
      (
        (await (await t.api("/admin/quarantine", { as: { key: adminKey } })).json()) as { quarantined: { position: string }[] }
      ).quarantined.some((row) => row.position === position.toString());
    await expect.poll(quarantined).toBe(true);
    const { code, output } = await cli("verify", "--projection", "images");
    expect(output).toContain(`skipped ImagesAttached at ${position} in draft-${draftId}: images could not apply it`);
    expect(output).toContain("no differences");
    expect(code).toBe(0);
  });
});
