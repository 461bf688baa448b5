import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advanceCheckpoint, CheckpointMovedError, loadCheckpoint } from "../../src/consumers/checkpoints.ts";
import { acquireLease, leaseHolders } from "../../src/consumers/lease.ts";
import type { Database } from "../../src/db/database.ts";
import { createTestDatabase } from "../support/database.ts";

const settled = async (promise: Promise<unknown>, withinMs: number) =>
  Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), withinMs))]);

describe("consumer leases", () => {
  let database: Database;
  const holders = (names: string[]) => leaseHolders((sql, params) => database.prisma.$queryRawUnsafe(sql, ...params), names);
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it("let one holder in at a time, and the next one in once it lets go", async () => {
    const first = acquireLease(database.url, "projection:one", { retryMs: 50 });
    await first.acquired;
    const second = acquireLease(database.url, "projection:one", { retryMs: 50 });
    expect(await settled(second.acquired, 300)).toBe(false);
    expect(await holders(["projection:one", "projection:other"])).toEqual([
      { name: "projection:one", holder: expect.stringMatching(new RegExp(`:${process.pid}$`)) },
    ]);
    await first.release();
    expect(await settled(second.acquired, 2_000)).toBe(true);
    await second.release();
    expect(await holders(["projection:one"])).toEqual([]);
  });

  it("are lost when the holder's connection ends, as when the database restarts, and can then be taken", async () => {
    const held = acquireLease(database.url, "projection:two", { retryMs: 50 });
    await held.acquired;
    const waiting = acquireLease(database.url, "projection:two", { retryMs: 50 });
    await database.prisma.$queryRawUnsafe(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'po-pipeline lease %' AND datname = current_database()",
    );
    expect(await settled(held.lost, 2_000)).toBe(true);
    expect(await settled(waiting.acquired, 2_000)).toBe(true);
    await Promise.all([held.release(), waiting.release()]);
  });

  it("rejects the wait of a lease released before it was acquired", async () => {
    const held = acquireLease(database.url, "projection:three", { retryMs: 50 });
    await held.acquired;
    const waiting = acquireLease(database.url, "projection:three", { retryMs: 50 });
    await waiting.release();
    await expect(waiting.acquired).rejects.toThrow("released before it was acquired");
    await held.release();
  });
});

describe("checkpoints", () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it("move only from where the consumer last saw them", async () => {
    await advanceCheckpoint(database.prisma, "c", undefined, 5n);
    await expect(advanceCheckpoint(database.prisma, "c", undefined, 7n)).rejects.toThrow(CheckpointMovedError);
    await expect(advanceCheckpoint(database.prisma, "c", 4n, 7n)).rejects.toThrow("another instance is running it");
    expect(await loadCheckpoint(database.prisma, "c")).toBe(5n);
    await advanceCheckpoint(database.prisma, "c", 5n, 7n);
    expect(await loadCheckpoint(database.prisma, "c")).toBe(7n);
  });
});
