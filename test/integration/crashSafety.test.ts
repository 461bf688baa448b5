import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Database } from "../../src/db/database.ts";
import { PostgresEventStore } from "../../src/eventstore/postgres.ts";
import { startAppProcess } from "../support/appProcess.ts";
import { startFakeGoogleSearch } from "../support/fakeGoogleSearch.ts";
import { rebuiltReadModels, snapshotReadModels } from "../support/readModels.ts";

const merchant = { merchantId: "crash", key: "crash-merchant-key" };
const google = { apiKey: "crash-google-key", cx: "crash-cx" };

// On the embedded default: SIGKILL reaches the app alone, so each restart also finds the server the killed app left running.
describe("crash safety: the app is SIGKILLed during the image stage, on the embedded default", () => {
  let fake: Awaited<ReturnType<typeof startFakeGoogleSearch>>;
  let dataDir: string;
  const env = () => {
    const vars: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: "0",
      LOG_LEVEL: "info",
      API_KEYS: `${merchant.merchantId}:${merchant.key}`,
      ADMIN_KEY: "crash-admin-key",
      IMAGE_SEARCH_PROVIDER: "google",
      GOOGLE_API_KEY: google.apiKey,
      GOOGLE_CSE_CX: google.cx,
      GOOGLE_CSE_ENDPOINT: fake.endpoint,
      IMAGE_SEARCH_CONCURRENCY: "4",
    };
    delete vars.DATABASE_URL;
    vars.DATA_DIR = dataDir;
    return vars;
  };
  const startWorker = () => startAppProcess(env());

  beforeAll(async () => {
    fake = await startFakeGoogleSearch({ ...google, latencyMs: () => 20 + Math.random() * 80 });
    dataDir = await mkdtemp(join(tmpdir(), "po-crash-"));
  });
  afterAll(async () => {
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("finishes the work after three kills with nothing lost or attached twice, and read models equal a rebuild", async () => {
    let worker = startWorker();
    let baseUrl = await worker.baseUrl;
    const headers = { authorization: `Bearer ${merchant.key}` };
    const ids: string[] = [];
    for (let n = 0; n < 3; n++) {
      const lines = Array.from({ length: 40 }, (_, i) => `CR-${n}-${i},Crash item ${n} ${i},1`);
      const form = new FormData();
      form.append("file", new Blob([["SKU,Title,Qty", ...lines].join("\n")], { type: "text/csv" }), `crash-${n}.csv`);
      ids.push(((await (await fetch(`${baseUrl}/purchase-orders`, { method: "POST", body: form, headers })).json()) as { id: string }).id);
    }
    for (let kill = 0; kill < 3; kill++) {
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 900));
      worker.child.kill("SIGKILL");
      await worker.exited;
      worker = startWorker();
      baseUrl = await worker.baseUrl;
    }
    const deadline = Date.now() + 90_000;
    for (;;) {
      const statuses = await Promise.all(
        ids.map(async (id) => ((await (await fetch(`${baseUrl}/purchase-orders/${id}`, { headers })).json()) as { status: string }).status),
      );
      if (statuses.every((s) => s === "complete")) break;
      if (Date.now() > deadline) throw new Error(`not complete after the kills: ${statuses.join(", ")}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    worker.child.kill("SIGTERM");
    await worker.exited;

    // A clean stop takes the embedded server down with the app.
    expect(existsSync(join(dataDir, "postgres", "postmaster.pid"))).toBe(false);
    const database: Database = await openDatabase({ dataDir });
    try {
      const store = new PostgresEventStore(database.url!);
      const drafts = await database.prisma.productDraft.findMany({ include: { images: true } });
      expect(drafts).toHaveLength(120);
      for (const draft of drafts) {
        expect(draft.images.map((i) => i.url).sort(), draft.sku ?? "").toEqual(
          [1, 2].map((n) => `https://images.example.test/${encodeURIComponent(`${draft.sku} ${draft.title}`)}/${n}.jpg`).sort(),
        );
        const types = (await store.readStream(`draft-${draft.id}`)).map((e) => e.type);
        expect(
          types.filter((t) => t === "ImagesAttached"),
          draft.id,
        ).toHaveLength(1);
        expect(
          types.filter((t) => t === "ImageSearchCompleted"),
          draft.id,
        ).toHaveLength(1);
      }
      const live = await snapshotReadModels(database.prisma);
      expect(await rebuiltReadModels(store, database.prisma)).toEqual(live);
    } finally {
      await database.close();
    }
  }, 180_000);
});
