import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { PostgresEventStore } from "../../src/eventstore/postgres.ts";
import { startAppProcess, type AppProcess as ApiProcess } from "../support/appProcess.ts";
import { createTestDatabase } from "../support/database.ts";
import { rebuiltReadModels, snapshotReadModels } from "../support/readModels.ts";

const merchant = { merchantId: "failover", key: "failover-merchant-key" };
const adminKey = "failover-admin-key";

type ProjectionStatus = { name: string; state: string; heldBy: string | null };

describe("projectors across two api processes on one database", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const processes: ApiProcess[] = [];

  const start = () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ROLE: "api",
      PORT: "0",
      LOG_LEVEL: "info",
      DATABASE_URL: database.url,
      API_KEYS: `${merchant.merchantId}:${merchant.key}`,
      ADMIN_KEY: adminKey,
    };
    const started = startAppProcess(env);
    processes.push(started);
    return started;
  };
  const projections = async (api: ApiProcess) =>
    (
      (await (await fetch(`${await api.baseUrl}/admin/projections`, { headers: { authorization: `Bearer ${adminKey}` } })).json()) as {
        projections: ProjectionStatus[];
      }
    ).projections;
  const upload = async (api: ApiProcess, n: number) => {
    const form = new FormData();
    form.append(
      "file",
      new Blob([`SKU,Title,Qty\nF${n}-1,Lamp ${n},1\nF${n}-2,Shade ${n},2\n`], { type: "text/csv" }),
      `failover-${n}.csv`,
    );
    const response = await fetch(`${await api.baseUrl}/purchase-orders`, {
      method: "POST",
      body: form,
      headers: { authorization: `Bearer ${merchant.key}` },
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  const visible = async (api: ApiProcess, id: string) =>
    (await fetch(`${await api.baseUrl}/purchase-orders/${id}`, { headers: { authorization: `Bearer ${merchant.key}` } })).status === 200;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const { child } of processes) child.kill("SIGKILL");
    await Promise.all(processes.map((p) => p.exited));
    await database.close();
  });

  it("run once, in the lease holder; when it is killed the other takes over within 10 s, and the read models equal a rebuild", async () => {
    const first = start();
    await first.baseUrl;
    const second = start();
    await second.baseUrl;
    await expect.poll(async () => (await projections(first)).every((p) => p.state === "active"), { timeout: 10_000 }).toBe(true);
    expect((await projections(second)).map((p) => p.state)).toEqual(["standby", "standby", "standby", "standby"]);
    expect((await projections(second)).every((p) => p.heldBy?.endsWith(`:${first.child.pid}`))).toBe(true);

    // Through the standby: its answers wait for what the holder projects.
    const before = await Promise.all([1, 2, 3].map((n) => upload(n % 2 ? second : first, n)));
    for (const id of before) await expect.poll(() => visible(second, id), { timeout: 10_000 }).toBe(true);

    first.child.kill("SIGKILL");
    await first.exited;
    const killedAt = Date.now();
    const after = await upload(second, 4);
    await expect
      .poll(async () => (await projections(second)).every((p) => p.state === "active"), { timeout: 10_000, interval: 100 })
      .toBe(true);
    expect(Date.now() - killedAt).toBeLessThan(10_000);
    await expect.poll(() => visible(second, after), { timeout: 10_000 }).toBe(true);
    second.child.kill("SIGTERM");
    await second.exited;

    const reopened = await openDatabase({ databaseUrl: database.url });
    try {
      const live = await snapshotReadModels(reopened.prisma);
      expect(live.purchaseOrders).toHaveLength(4);
      const store = new PostgresEventStore(reopened.url);
      expect(await rebuiltReadModels(store, reopened.prisma)).toEqual(live);
      await store.close();
    } finally {
      await reopened.close();
    }
  }, 120_000);
});
