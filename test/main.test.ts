import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url).pathname;

function startMain(dataDir: string): { child: ChildProcessWithoutNullStreams; output: () => string; exited: Promise<number | null> } {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "warn" };
  delete env.DATABASE_URL;
  delete env.API_KEYS;
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], { cwd: root, env });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForOutput(output: () => string, pattern: RegExp): Promise<RegExpMatchArray> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const match = output().match(pattern);
    if (match) return match;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in output:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("npm start (src/main.ts) on the embedded default", () => {
  let dataDir: string;
  let main: ReturnType<typeof startMain>;
  let baseUrl: string;
  let key: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "po-main-"));
    main = startMain(dataDir);
    baseUrl = (await waitForOutput(main.output, /listening on (http:\/\/\S+)/))[1]!;
    key = (await waitForOutput(main.output, /Bearer ([\w-]+)/))[1]!;
  });

  afterAll(async () => {
    main.child.kill("SIGTERM");
    await main.exited;
    await rm(dataDir, { recursive: true, force: true });
  });

  it("prints a demo key that uploads a sample PO whose drafts then appear", async () => {
    const form = new FormData();
    form.append("file", new Blob(["SKU,Title,Qty\nM-1,Mug,2\nM-2,Plate,4\n"], { type: "text/csv" }), "po.csv");
    const upload = await fetch(`${baseUrl}/purchase-orders`, { method: "POST", body: form, headers: { authorization: `Bearer ${key}` } });
    expect(upload.status).toBe(202);
    const { id } = (await upload.json()) as { id: string };
    await expect
      .poll(async () => {
        const po = (await (await fetch(`${baseUrl}/purchase-orders/${id}`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
          drafts: unknown[];
        };
        return po.drafts.length;
      })
      .toBe(2);
  });

  it("runs its background work, and V8's helper threads that collect its garbage, at a lower priority than the thread that answers", async () => {
    // Field 19 of a thread's stat is its nice value; the name before it may hold spaces.
    const niceOf = async (tid: string) =>
      Number((await readFile(`/proc/${main.child.pid}/task/${tid}/stat`, "utf8")).split(") ")[1]!.split(" ")[16]);
    const threads = await readdir(`/proc/${main.child.pid}/task`);
    expect(await niceOf(String(main.child.pid))).toBe(0);
    // The background thread and V8's platform workers (four unless told otherwise).
    expect((await Promise.all(threads.map(niceOf))).filter((nice) => nice === 10).length).toBeGreaterThanOrEqual(5);
  });

  it("refuses a second process on the same data directory, saying why", async () => {
    const second = startMain(dataDir);
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toMatch(/in use by process \d+/);
  });

  it("prints the same demo key after a restart, and the key still works", async () => {
    main.child.kill("SIGTERM");
    await main.exited;
    main = startMain(dataDir);
    const restartedUrl = (await waitForOutput(main.output, /listening on (http:\/\/\S+)/))[1]!;
    expect((await waitForOutput(main.output, /Bearer ([\w-]+)/))[1]).toBe(key);
    const listed = await fetch(`${restartedUrl}/purchase-orders`, { headers: { authorization: `Bearer ${key}` } });
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { items: unknown[] }).items).toHaveLength(1);
  });
});
