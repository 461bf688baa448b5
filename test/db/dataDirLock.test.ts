import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { DataDirLockedError, lockDataDir } from "../../src/db/dataDirLock.ts";

describe("the embedded data directory lock", () => {
  let dataDir: string;
  let lockFile: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "po-lock-"));
    lockFile = join(dataDir, "LOCK");
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it("keeps a second open of the same directory out while the first is open, and lets it in after", async () => {
    const first = await openDatabase({ dataDir });
    expect(await readFile(lockFile, "utf8")).toBe(String(process.pid));
    await expect(openDatabase({ dataDir })).rejects.toThrow(DataDirLockedError);
    await first.prisma.checkpoint.create({ data: { subscriber: "s", position: 1n } });
    await first.close();
    expect(existsSync(lockFile)).toBe(false);
    const second = await openDatabase({ dataDir });
    expect(await second.prisma.checkpoint.count()).toBe(1);
    await second.close();
  });

  it("refuses a directory another live process holds, saying which and what to do", async () => {
    const holder = spawn(process.execPath, [
      "-e",
      `require("fs").writeFileSync(${JSON.stringify(lockFile)}, String(process.pid), { flag: "wx" }); console.log("locked"); setInterval(() => {}, 1000);`,
    ]);
    try {
      await once(holder.stdout, "data");
      expect(() => lockDataDir(dataDir)).toThrow(
        `Data directory ${dataDir} is in use by process ${holder.pid}; stop it or set DATA_DIR to another directory`,
      );
      expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
    } finally {
      holder.kill();
    }
  });

  it("is released when its process exits without closing", async () => {
    const lockModule = new URL("../../src/db/dataDirLock.ts", import.meta.url).href;
    const script = `const { lockDataDir } = await import(${JSON.stringify(lockModule)}); lockDataDir(${JSON.stringify(dataDir)}); process.exit(3);`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: "inherit" });
    expect(await once(child, "exit")).toEqual([3, null]);
    expect(existsSync(lockFile)).toBe(false);
  });

  it("takes over a lock left by a process that died", async () => {
    const dead = spawn(process.execPath, ["-e", ""]);
    await once(dead, "exit");
    await writeFile(lockFile, String(dead.pid));
    const lock = lockDataDir(dataDir);
    expect(await readFile(lockFile, "utf8")).toBe(String(process.pid));
    lock.release();
  });

  it("takes over a lock holding this process's pid that this process does not hold, as after a container restart", async () => {
    await writeFile(lockFile, String(process.pid));
    const lock = lockDataDir(dataDir);
    expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
    lock.release();
  });

  it("leaves the lock to whoever holds it when it is released twice", async () => {
    const lock = lockDataDir(dataDir);
    lock.release();
    const next = lockDataDir(dataDir);
    lock.release();
    expect(existsSync(lockFile)).toBe(true);
    next.release();
  });
});
