import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EmbeddedServerError, startEmbeddedServer } from "../../src/db/embeddedServer.ts";

const query = async (url: string, sql: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
};

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("the embedded PostgreSQL server", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "po-embedded-"));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it("is started again when it is killed, on the same port and data, and takes connections as before", async () => {
    const server = await startEmbeddedServer(dataDir);
    try {
      await query(server.url, "CREATE TABLE survived (n int); INSERT INTO survived VALUES (42)");
      const postmaster = () => Number.parseInt(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8"), 10);
      const killed = postmaster();
      process.kill(-killed, "SIGKILL");
      await expect.poll(() => isAlive(killed)).toBe(false);
      await expect
        .poll(async () => query(server.url, "SELECT n FROM survived").catch(() => undefined), { timeout: 30_000 })
        .toEqual([{ n: 42 }]);
      expect(postmaster()).not.toBe(killed);
    } finally {
      await server.stop();
    }
  });

  it("keeps its cluster, password and socket in the data directory, listens on 127.0.0.1 only and refuses a wrong password", async () => {
    const server = await startEmbeddedServer(dataDir);
    try {
      expect(existsSync(join(dataDir, "postgres", "PG_VERSION"))).toBe(true);
      // The app reaches its server through a unix socket that only the data directory's owner can enter.
      const url = new URL(server.url);
      const socketDir = join(dataDir, "postgres-socket");
      expect(url.searchParams.get("host")).toBe(socketDir);
      expect(statSync(socketDir).mode & 0o777).toBe(0o700);
      // Operators and auditors get a TCP line for psql, on the loopback address only.
      const psql = new URL(server.psql!.replace(/^psql "(.*)"$/, "$1"));
      expect(psql.hostname).toBe("127.0.0.1");
      expect(psql.port).toBe(url.port);
      expect(await query(psql.toString(), "SELECT current_database() AS name")).toEqual([{ name: url.pathname.slice(1) }]);
      expect(await query(server.url, "SHOW listen_addresses")).toEqual([{ listen_addresses: "127.0.0.1" }]);
      for (const address of [url, psql]) {
        address.password = "not-the-password";
        await expect(query(address.toString(), "SELECT 1")).rejects.toThrow(/password authentication failed/);
      }
    } finally {
      await server.stop();
    }
    expect(existsSync(join(dataDir, "postgres", "postmaster.pid"))).toBe(false);
  });

  it("comes back with its data after a restart", async () => {
    const first = await startEmbeddedServer(dataDir);
    await query(first.url, "CREATE TABLE kept (n INT); INSERT INTO kept VALUES (7)");
    await first.stop();
    const second = await startEmbeddedServer(dataDir);
    try {
      expect(second.url).toBe(first.url);
      expect(await query(second.url, "SELECT n FROM kept")).toEqual([{ n: 7 }]);
    } finally {
      await second.stop();
    }
  });

  it("stops the server an app killed with SIGKILL left running, then starts its own", async () => {
    const module = new URL("../../src/db/embeddedServer.ts", import.meta.url).href;
    const script = `const { startEmbeddedServer } = await import(${JSON.stringify(module)}); await startEmbeddedServer(${JSON.stringify(dataDir)}); console.log("started"); setInterval(() => {}, 1000);`;
    const app = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    await once(app.stdout, "data");
    const orphan = Number.parseInt(readFileSync(join(dataDir, "postgres", "postmaster.pid"), "utf8"), 10);
    app.kill("SIGKILL");
    await once(app, "exit");
    expect(isAlive(orphan)).toBe(true);

    const server = await startEmbeddedServer(dataDir);
    try {
      expect(isAlive(orphan)).toBe(false);
      expect(await query(server.url, "SELECT 1 AS up")).toEqual([{ up: 1 }]);
    } finally {
      await server.stop();
    }
  });

  it("refuses a data directory of the PGlite build, saying what to do, and touches nothing", async () => {
    await mkdir(join(dataDir, "pglite"));
    const start = startEmbeddedServer(dataDir);
    await expect(start).rejects.toThrow(EmbeddedServerError);
    await expect(start).rejects.toThrow(/earlier po-pipeline build \(PGlite\).*Move that directory aside/);
    expect(existsSync(join(dataDir, "postgres"))).toBe(false);
    expect(existsSync(join(dataDir, "LOCK"))).toBe(false);
  });
});
