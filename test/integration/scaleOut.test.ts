import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventStoreDbEventStore } from "../../src/eventstore/eventStoreDb.ts";
import { createTestDatabase } from "../support/database.ts";
import { startEsdbTestServer } from "../support/esdb/server.ts";
import { startFakeGoogleSearch } from "../support/fakeGoogleSearch.ts";

const root = new URL("../..", import.meta.url).pathname;
const merchant = { merchantId: "scale", key: "scale-merchant-key" };
const google = { apiKey: "scale-google-key", cx: "scale-cx" };

type Process = {
  name: string;
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  ready: Promise<string>;
  exited: Promise<unknown>;
};

describe("worker processes", () => {
  it("refuse to start without EventStoreDB and a shared database, saying what is missing", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, ROLE: "worker" };
    delete env.ESDB_URL;
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: root, env });
    let output = "";
    child.stderr.on("data", (chunk) => (output += chunk));
    child.stdout.on("data", (chunk) => (output += chunk));
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).not.toBe(0);
    expect(output).toContain("set ESDB_URL");
    expect(output).toContain("set DATABASE_URL");
  }, 30_000);
});

// Workers share the read models' database: a fresh one on this run's server.
describe("scale-out: three workers share the process managers through persistent subscriptions", () => {
  let esdb: Awaited<ReturnType<typeof startEsdbTestServer>>;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let fake: Awaited<ReturnType<typeof startFakeGoogleSearch>>;
  const processes: Process[] = [];

  const start = (name: string, role: "api" | "worker"): Process => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ROLE: role,
      PORT: "0",
      LOG_LEVEL: "info",
      DATABASE_URL: database.url,
      ESDB_URL: esdb.url,
      API_KEYS: `${merchant.merchantId}:${merchant.key}`,
      ADMIN_KEY: "scale-admin-key",
      IMAGE_SEARCH_PROVIDER: "google",
      GOOGLE_API_KEY: google.apiKey,
      GOOGLE_CSE_CX: google.cx,
      GOOGLE_CSE_ENDPOINT: fake.endpoint,
      IMAGE_SEARCH_CONCURRENCY: "4",
    };
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: root, env });
    let output = "";
    const ready = new Promise<string>((resolve, reject) => {
      const seen = () => {
        const address = /"address":"(http:[^"]+)"/.exec(output)?.[1];
        if (address) resolve(address);
        else if (output.includes("worker is running")) resolve("");
      };
      child.stdout.on("data", (chunk) => ((output += chunk), seen()));
      child.stderr.on("data", (chunk) => (output += chunk));
      child.on("exit", () => reject(new Error(`${name} exited before it was ready:\n${output}`)));
    });
    const started = { name, child, output: () => output, ready, exited: new Promise((resolve) => child.on("exit", resolve)) };
    processes.push(started);
    return started;
  };

  beforeAll(async () => {
    esdb = await startEsdbTestServer({ batchAppend: true });
    database = await createTestDatabase();
    fake = await startFakeGoogleSearch({ ...google, latencyMs: () => 300 + Math.random() * 200 });
  });
  afterAll(async () => {
    for (const p of processes) p.child.kill("SIGKILL");
    await Promise.all(processes.map((p) => p.exited));
    await fake?.close();
    await database?.close();
    await esdb?.stop();
  });

  it("processes every draft exactly once, though one worker is killed midway", async () => {
    const api = start("api", "api");
    const workers = [1, 2, 3].map((n) => start(`worker-${n}`, "worker"));
    const baseUrl = await api.ready;
    await Promise.all(workers.map((w) => w.ready));
    const headers = { authorization: `Bearer ${merchant.key}` };

    const ids: string[] = [];
    for (let n = 0; n < 6; n++) {
      const lines = Array.from({ length: 20 }, (_, i) => `SO-${n}-${i},Scale item ${n} ${i},1`);
      const form = new FormData();
      form.append("file", new Blob([["SKU,Title,Qty", ...lines].join("\n")], { type: "text/csv" }), `scale-${n}.csv`);
      const response = await fetch(`${baseUrl}/purchase-orders`, { method: "POST", body: form, headers });
      const body = (await response.json()) as { id: string };
      expect(response.status, JSON.stringify(body)).toBe(202);
      ids.push(body.id);
    }
    // Midway: once the first worker has finished searches of its own, and some are still to do (how many
    // depends on how soon each worker came up; the point is that the others must take over its share).
    const imageWork = /(SearchDraftImages|AttachDraftImages) completed/;
    for (const giveUp = Date.now() + 60_000; !imageWork.test(workers[0]!.output());) {
      if (Date.now() > giveUp) throw new Error(`worker-1 took no image work:\n${workers[0]!.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(fake.requests.length).toBeLessThan(100);
    workers[0]!.child.kill("SIGKILL");
    await workers[0]!.exited;

    const deadline = Date.now() + 120_000;
    for (;;) {
      const statuses = await Promise.all(
        ids.map(async (id) => ((await (await fetch(`${baseUrl}/purchase-orders/${id}`, { headers })).json()) as { status: string }).status),
      );
      if (statuses.every((s) => s === "complete")) break;
      if (Date.now() > deadline) {
        const stuck = await Promise.all(
          ids.map(
            async (id) =>
              (await (await fetch(`${baseUrl}/purchase-orders/${id}`, { headers })).json()) as {
                stages: { stage: string; subjectId: string | null; status: string }[];
              },
          ),
        );
        const unfinished = stuck.flatMap((po) => po.stages.filter((s) => s.status !== "completed" && s.status !== "skipped"));
        throw new Error(`not complete: ${statuses.join(", ")}; unfinished stages ${JSON.stringify(unfinished)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }

    const store = EventStoreDbEventStore.connect(esdb.url);
    try {
      const drafts = await database.prisma.productDraft.findMany({ include: { images: true } });
      expect(drafts).toHaveLength(120);
      for (const draft of drafts) {
        expect(draft.images).toHaveLength(2);
        const types = (await store.readStream(`draft-${draft.id}`)).map((e) => e.type);
        expect(
          types.filter((t) => t === "ImageSearchCompleted"),
          draft.id,
        ).toHaveLength(1);
        expect(
          types.filter((t) => t === "ImagesAttached"),
          draft.id,
        ).toHaveLength(1);
      }
    } finally {
      await store.close();
    }
    // Every worker, the killed one included, did a share of the image work.
    for (const worker of workers) expect(worker.output().match(new RegExp(imageWork, "g"))?.length ?? 0, worker.name).toBeGreaterThan(0);
  }, 240_000);
});
