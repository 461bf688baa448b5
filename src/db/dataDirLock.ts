import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { isAlive } from "./processes.ts";

export class DataDirLockedError extends Error {
  override readonly name = "DataDirLockedError";
}

export type DataDirLock = { release(): void };

/** Lock files this process holds: a LOCK holding our pid but absent here is stale, left by an
 * earlier run that happened to have the same pid (usual in containers, where the app is pid 1). */
const heldByThisProcess = new Set<string>();

/**
 * One process per embedded data directory: two PGlite instances on the same files corrupt them.
 * `<dataDir>/LOCK` holds the owner's pid, so a lock left by a process that died is taken over.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = resolve(dataDir, "LOCK");
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(readFileSync(lockFile, "utf8"), 10);
      if (owner === process.pid && heldByThisProcess.has(lockFile)) {
        throw new DataDirLockedError(`Data directory ${dataDir} is already open in this process (pid ${owner}); close it first`);
      }
      if (owner !== process.pid && Number.isInteger(owner) && isAlive(owner)) {
        throw new DataDirLockedError(
          `Data directory ${dataDir} is in use by process ${owner}; stop it or set DATA_DIR to another directory`,
        );
      }
      rmSync(lockFile, { force: true });
    }
  }
  heldByThisProcess.add(lockFile);
  let held = true;
  const release = () => {
    if (!held) return;
    held = false;
    process.removeListener("exit", release);
    heldByThisProcess.delete(lockFile);
    rmSync(lockFile, { force: true });
  };
  process.once("exit", release);
  return { release };
}
