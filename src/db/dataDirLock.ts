import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * One process per embedded data directory: two PGlite instances on the same files corrupt them.
 * The lock file holds the owner's pid, so a lock left by a crashed process is taken over.
 */
export function lockDataDir(dataDir: string): { release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = join(dataDir, "LOCK");
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(readFileSync(lockFile, "utf8"), 10);
      if (Number.isInteger(owner) && isAlive(owner)) {
        const who = owner === process.pid ? "this process" : `process ${owner}`;
        throw new DataDirLockedError(`Data directory ${resolve(dataDir)} is in use by ${who}; stop it or set DATA_DIR to another directory`);
      }
      rmSync(lockFile, { force: true });
    }
  }
  const onExit = () => rmSync(lockFile, { force: true });
  process.once("exit", onExit);
  return {
    release() {
      process.removeListener("exit", onExit);
      rmSync(lockFile, { force: true });
    },
  };
}
