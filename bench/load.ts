/**
 * Load: `npm start`'s entry point on the embedded default, in a process of its own, driven by
 * autocannon for LOAD_DURATION_S (default 30) seconds: 20-line uploads and reads (list, PO, review)
 * from 5 merchants (keys from the database) at a fixed concurrency, the image work of every upload
 * running behind. Two runs on fresh data directories: steady, then with the embedded PostgreSQL server
 * killed (SIGKILL, its whole process group) a third of the way in. One JSON line.
 */
import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const DURATION_S = Number(process.env.LOAD_DURATION_S ?? 30);
const MERCHANTS = 5;
const LINES = 20;
/** Connections per route: 4 routes, so 16 requests in flight at any time. */
const CONNECTIONS = 4;
const ADMIN_KEY = "load-bench-admin-key";
const root = new URL("..", import.meta.url).pathname;

type Merchant = { id: string; key: string; purchaseOrderId: string };
type Run = "steady" | "database-killed";

const csv = (n: number) =>
  [
    "SKU,Description,Qty,Unit Cost",
    ...Array.from({ length: LINES }, (_, i) => `L-${n}-${i},"Load item ${i} of ${n}",${i + 1},${i}.25`),
  ].join("\n");
const BOUNDARY = "load-bench-boundary";
const multipart = (n: number) =>
  `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="load-${n}.csv"\r\nContent-Type: text/csv\r\n\r\n${csv(n)}\r\n--${BOUNDARY}--\r\n`;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function startApp(dataDir: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", DATA_DIR: dataDir, ADMIN_KEY, LOG_LEVEL: "error" };
  delete env.DATABASE_URL;
  delete env.API_KEYS;
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer) => void (output = (output + chunk).slice(-20_000));
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const baseUrl = (async () => {
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(100)) {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) return match[1]!;
      if (child.exitCode !== null) break;
    }
    throw new Error(`the app did not start:\n${output}`);
  })();
  return { child, baseUrl, exited, output: () => output };
}

async function api<T>(baseUrl: string, path: string, key: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...init.headers } });
  return { status: response.status, body: (await response.json().catch(() => undefined)) as T };
}

async function eventually(what: string, done: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(100)) if (await done()) return;
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
}

/** Five merchants with a key each and one PO whose review is open, for the reads. */
async function seedMerchants(baseUrl: string): Promise<Merchant[]> {
  const json = { "content-type": "application/json" };
  return Promise.all(
    Array.from({ length: MERCHANTS }, async (_, n) => {
      const id = `load-${n}`;
      await api(baseUrl, "/admin/merchants", ADMIN_KEY, { method: "POST", headers: json, body: JSON.stringify({ id }) });
      const { body } = await api<{ key: string }>(baseUrl, `/admin/merchants/${id}/keys`, ADMIN_KEY, { method: "POST" });
      const upload = await api<{ id: string }>(baseUrl, "/purchase-orders", body.key, {
        method: "POST",
        headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
        body: multipart(-1 - n),
      });
      if (upload.status !== 202) throw new Error(`seed upload answered ${upload.status}`);
      await eventually(
        `merchant ${id}'s review`,
        async () => (await api(baseUrl, `/purchase-orders/${upload.body.id}/review`, body.key)).status === 200,
      );
      return { id, key: body.key, purchaseOrderId: upload.body.id };
    }),
  );
}

type Route = "upload" | "list" | "purchase_order" | "review";

function drive(baseUrl: string, merchants: Merchant[], accepted: Map<string, Merchant>) {
  let uploads = 0;
  const rotating = (route: Route): autocannon.Request => {
    let n = 0;
    return {
      method: route === "upload" ? "POST" : "GET",
      setupRequest: (request, context) => {
        const merchant = merchants[n++ % merchants.length]!;
        (context as { merchant?: Merchant }).merchant = merchant;
        const headers = { ...request.headers, authorization: `Bearer ${merchant.key}` };
        if (route === "upload")
          return {
            ...request,
            path: "/purchase-orders",
            headers: { ...headers, "content-type": `multipart/form-data; boundary=${BOUNDARY}` },
            body: multipart(uploads++),
          };
        const path = {
          list: "/purchase-orders",
          purchase_order: `/purchase-orders/${merchant.purchaseOrderId}`,
          review: `/purchase-orders/${merchant.purchaseOrderId}/review`,
        }[route];
        return { ...request, path, headers };
      },
      onResponse: (status, body, context) => {
        if (route === "upload" && status === 202)
          accepted.set((JSON.parse(body) as { id: string }).id, (context as { merchant: Merchant }).merchant);
      },
    };
  };
  const routes: Route[] = ["upload", "list", "purchase_order", "review"];
  return Promise.all(
    routes.map(async (route) => ({
      route,
      result: await autocannon({ url: baseUrl, connections: CONNECTIONS, duration: DURATION_S, requests: [rotating(route)] }),
    })),
  );
}

type ProjectorStatus = { name: string; appliedThrough: string | null; headPosition: string | null };

/** How long after the load the read models reflect everything written by its end, and how far behind they were then. */
async function projectionLag(baseUrl: string) {
  const status = async () => (await api<{ projections: ProjectorStatus[] }>(baseUrl, "/admin/projections", ADMIN_KEY)).body.projections;
  const atEnd = await status();
  const head = BigInt(atEnd[0]?.headPosition ?? 0);
  const behind = (projectors: ProjectorStatus[]) => projectors.map((p) => head - BigInt(p.appliedThrough ?? 0));
  const started = performance.now();
  await eventually("the projectors catching up", async () => behind(await status()).every((lag) => lag <= 0n), 120_000);
  return {
    projection_lag_ms: Math.round(performance.now() - started),
    /** Per projector: events of the log it had yet to take in when the load stopped. */
    projection_lag_events_at_end: Object.fromEntries(atEnd.map((p, i) => [p.name, Number(behind(atEnd)[i])])),
  };
}

/**
 * SIGKILL to the embedded server's process group a third of the way in; how long until the app serves
 * a read again, asked with a key of its own (the loaded merchants' may be over their rate by then).
 */
async function killDatabaseMidRun(dataDir: string, baseUrl: string) {
  await api(baseUrl, "/admin/merchants", ADMIN_KEY, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"id":"probe"}',
  });
  const { body: probe } = await api<{ key: string }>(baseUrl, "/admin/merchants/probe/keys", ADMIN_KEY, { method: "POST" });
  await sleep((DURATION_S * 1000) / 3);
  const postmaster = Number.parseInt(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8"), 10);
  const killedAt = performance.now();
  process.kill(-postmaster, "SIGKILL");
  await sleep(50);
  let last = 0;
  await eventually(
    "the app serving again",
    async () => (last = (await api(baseUrl, "/purchase-orders?limit=1", probe.key).catch(() => ({ status: 0 }))).status) === 200,
    60_000,
  ).catch((error: Error) => {
    throw new Error(
      `${error.message} (last answer ${last}); postgres.log ends:\n${readFileSync(join(dataDir, "postgres.log"), "utf8").slice(-2000)}`,
    );
  });
  return Math.round(performance.now() - killedAt);
}

async function loadRun(run: Run) {
  const dataDir = await mkdtemp(join(tmpdir(), "po-load-"));
  const app = startApp(dataDir);
  try {
    const baseUrl = await app.baseUrl;
    const merchants = await seedMerchants(baseUrl);
    const accepted = new Map<string, Merchant>();
    const [results, downMs] = await Promise.all([
      drive(baseUrl, merchants, accepted),
      run === "database-killed" ? killDatabaseMidRun(dataDir, baseUrl) : undefined,
    ]);
    const crashed = app.child.exitCode !== null;
    const lag = crashed ? undefined : await projectionLag(baseUrl);
    let lost = 0;
    for (const [id, merchant] of accepted) if ((await api(baseUrl, `/purchase-orders/${id}`, merchant.key)).status !== 200) lost++;
    const count = (status: string) =>
      results.reduce((sum, { result }) => sum + (result.statusCodeStats?.[status as `${number}`]?.count ?? 0), 0);
    const total = results.reduce((sum, { result }) => sum + result.requests.total, 0);
    const failures = results.reduce((sum, { result }) => sum + result.errors + result.non2xx, 0);
    return {
      run,
      requests: total,
      requests_per_s: Math.round(total / DURATION_S),
      routes: Object.fromEntries(
        results.map(({ route, result }) => [
          route,
          { requests_per_s: Math.round(result.requests.total / DURATION_S), p50_ms: result.latency.p50, p99_ms: result.latency.p99 },
        ]),
      ),
      // Failures other than the limits' 429s and, while the database is down, its 503s.
      errors: failures - count("429") - count("503"),
      status_429: count("429"),
      status_503: count("503"),
      uploads_accepted: accepted.size,
      uploads_lost: lost,
      database_down_ms: downMs,
      app_crashed: crashed,
      ...lag,
    };
  } catch (error) {
    process.stderr.write(`the app's output ends:\n${app.output().slice(-4000)}\n`);
    throw error;
  } finally {
    app.child.kill("SIGTERM");
    await app.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}

const runs = [];
/** LOAD_RUNS=database-killed runs only that one. */
const chosen = process.env.LOAD_RUNS?.split(",") ?? ["steady", "database-killed"];
for (const run of ["steady", "database-killed"] as const) if (chosen.includes(run)) runs.push(await loadRun(run));
console.log(
  JSON.stringify({ bench: "load", duration_s: DURATION_S, merchants: MERCHANTS, lines: LINES, connections: CONNECTIONS * 4, runs }),
);
