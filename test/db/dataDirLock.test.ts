import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataDirLockedError, lockDataDir } from "../../src/db/dataDirLock.ts";

describe("the embedded data directory lock", () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "po-lock-"));
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it("lets one holder in at a time, and the next one in after release", () => {
    const first = lockDataDir(dataDir);
    expect(() => lockDataDir(dataDir)).toThrow(DataDirLockedError);
    first.release();
    lockDataDir(dataDir).release();
  });

  it("refuses a directory another live process holds, naming it", async () => {
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    await writeFile(join(dataDir, "LOCK"), String(holder.pid));
    try {
      expect(() => lockDataDir(dataDir)).toThrow(new RegExp(`in use by process ${holder.pid}`));
    } finally {
      holder.kill();
    }
  });

  it("takes over a lock left by a process that died", async () => {
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => dead.on("exit", resolve));
    await writeFile(join(dataDir, "LOCK"), String(dead.pid));
    const lock = lockDataDir(dataDir);
    expect(await readFile(join(dataDir, "LOCK"), "utf8")).toBe(String(process.pid));
    lock.release();
  });
});
