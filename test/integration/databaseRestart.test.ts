import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { startEmbeddedServer, type EmbeddedServer } from "../../src/db/embeddedServer.ts";
import { CatalogFeedProvider } from "../../src/integrations/imageSearch/catalogFeed.ts";
import { SAMPLE_CATALOG } from "../../src/integrations/imageSearch/fromConfig.ts";
import { createSystem, type System } from "../../src/system.ts";
import { merchantA, testKeySecret } from "../support/system.ts";

type PurchaseOrderBody = { status: string; drafts: unknown[] };

describe("the database restarted under the running app", () => {
  let dataDir: string;
  let server: EmbeddedServer;
  let database: Database;
  let system: System;
  let baseUrl: string;

  const upload = async (n: number) => {
    const form = new FormData();
    form.append(
      "file",
      new Blob([`SKU,Title,Qty\nR${n}-1,Kettle ${n},1\nR${n}-2,Toaster ${n},2\n`], { type: "text/csv" }),
      `restart-${n}.csv`,
    );
    const response = await fetch(`${baseUrl}/purchase-orders`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${merchantA.key}` },
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  const complete = async (id: string) => {
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 100))) {
      const response = await fetch(`${baseUrl}/purchase-orders/${id}`, { headers: { authorization: `Bearer ${merchantA.key}` } }).catch(
        () => undefined,
      );
      if (response?.status === 200 && ((await response.json()) as PurchaseOrderBody).status === "complete") return true;
    }
    return false;
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "po-restart-"));
    server = await startEmbeddedServer(dataDir);
    database = await openDatabase({ databaseUrl: server.url });
    system = await createSystem({
      database,
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" }),
      apiKeys: [merchantA],
      keySecret: testKeySecret,
      adminKey: "restart-admin-key",
      maxUploadBytes: 1024 * 1024,
      imageSearch: await CatalogFeedProvider.load(SAMPLE_CATALOG),
      processors: { retryBaseDelayMs: 20 },
    });
    baseUrl = await system.app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await system.stop();
    await database.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("is survived: every consumer resubscribes and the next PO goes through the whole pipeline", async () => {
    expect(await complete(await upload(1))).toBe(true);
    await server.stop();
    // While it is down: 503 with Retry-After, for reads, uploads and a database key's check alike; the process stays up.
    const form = new FormData();
    form.append("file", new Blob(["SKU,Title,Qty\nD-1,Down,1\n"], { type: "text/csv" }), "down.csv");
    for (const [path, init] of [
      ["/purchase-orders", {}],
      ["/purchase-orders", { method: "POST", body: form }],
    ] as const) {
      const response = await fetch(`${baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${merchantA.key}` } });
      expect({ path, status: response.status }).toEqual({ path, status: 503 });
      expect(response.headers.get("retry-after")).toBe("2");
      expect(await response.json()).toEqual({ error: "unavailable", message: expect.stringContaining("cannot be reached") });
    }
    const databaseKey = await fetch(`${baseUrl}/purchase-orders`, {
      headers: { authorization: `Bearer pok_0123456789ab_${"x".repeat(43)}` },
    });
    expect(databaseKey.status).toBe(503);
    server = await startEmbeddedServer(dataDir);
    expect(await complete(await upload(2))).toBe(true);
    const statuses = (
      (await (await fetch(`${baseUrl}/admin/projections`, { headers: { authorization: "Bearer restart-admin-key" } })).json()) as {
        projections: { state: string }[];
      }
    ).projections;
    expect(statuses.map((p) => p.state)).toEqual(["active", "active", "active", "active"]);
  }, 90_000);
});
