import { randomUUID } from "node:crypto";
import { cp, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyMigrations, MIGRATIONS_DIR } from "../../src/db/migrations.ts";
import { pgExecutor, type SqlExecutor } from "../../src/db/sqlExecutor.ts";
import { createServerDatabase, type ServerDatabase } from "../support/database.ts";

const MIGRATION = "20261201000000_draft_revision_and_image_status";
const purchaseOrderId = randomUUID();
const [reviewed, unreviewed] = [randomUUID(), randomUUID()];
const [approved, rejected, variant, pending] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];

/** Read-model rows as the projections wrote them before the migration, and the log they came from. */
async function rowsFromBefore(sql: SqlExecutor) {
  await sql.query(
    `INSERT INTO "PurchaseOrder" (id, "merchantId", "fileName", "contentType", "sizeBytes", sha256, status, "uploadedAt", "updatedAt") VALUES ($1, 'm', 'po.csv', 'text/csv', 1, 'x', 'complete', now(), now())`,
    [purchaseOrderId],
  );
  for (const [draftId, lineNumber] of [
    [reviewed, 1],
    [unreviewed, 2],
  ] as const) {
    await sql.query(
      `INSERT INTO "ProductDraft" (id, "merchantId", "purchaseOrderId", "lineNumber", title, quantity, revision, "createdAt", "updatedAt") VALUES ($1, 'm', $2, $3, 'Tent', 1, 2, now(), now())`,
      [draftId, purchaseOrderId, lineNumber],
    );
  }
  const image = (id: string, draftId: string, position: number, source: string) =>
    sql.query(
      `INSERT INTO "ProductImage" (id, "draftId", "merchantId", url, source, position, "createdAt") VALUES ($1, $2, 'm', 'https://img.test/x.jpg', $3, $4, now())`,
      [id, draftId, source, position],
    );
  await image(approved, reviewed, 0, "catalog");
  await image(rejected, reviewed, 1, "catalog");
  await image(variant, reviewed, 0, "optimized:google/nano-banana");
  await image(pending, unreviewed, 0, "catalog");
  await sql.query(
    `INSERT INTO "ImageReviewProduct" ("draftId", "purchaseOrderId", "merchantId", "primaryImageId", "addedAt", "updatedAt") VALUES ($1, $2, 'm', $3, now(), now()), ($4, $2, 'm', NULL, now(), now())`,
    [reviewed, purchaseOrderId, approved, unreviewed],
  );
  await sql.query(
    `INSERT INTO "ImageReviewProductImage" ("imageId", "draftId", "merchantId", url, source, position, decision) VALUES ($1, $2, 'm', 'u', 'catalog', 0, 'approved'), ($3, $2, 'm', 'u', 'catalog', 1, 'rejected'), ($4, $5, 'm', 'u', 'catalog', 0, 'pending')`,
    [approved, reviewed, rejected, pending, unreviewed],
  );
  // The reviewed draft's stream went on to revision 6 (decisions, an optimized image); the other's stopped at 2.
  for (const [draftId, last] of [
    [reviewed, 6],
    [unreviewed, 2],
  ] as const) {
    for (let revision = 0; revision <= last; revision++) {
      await sql.query(
        `INSERT INTO event_log (stream_name, stream_revision, event_id, event_type, data, metadata) VALUES ($1, $2, $3, 'Any', '{}', '{}')`,
        [`draft-${draftId}`, revision, randomUUID()],
      );
    }
  }
}

const serverUrl = process.env.DATABASE_URL;

describe(`the migration ${MIGRATION}`, () => {
  let server: ServerDatabase;
  let client: pg.Client;
  let sql: SqlExecutor;
  beforeAll(async () => {
    if (!serverUrl) throw new Error("DATABASE_URL is unset: this test needs a PostgreSQL server");
    server = await createServerDatabase(serverUrl);
    client = new pg.Client({ connectionString: server.url });
    await client.connect();
    sql = pgExecutor(client);
    const earlier = await mkdtemp(join(tmpdir(), "po-migrations-"));
    const names = (await readdir(MIGRATIONS_DIR, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && e.name < MIGRATION)
      .map((e) => e.name);
    for (const name of names) await cp(join(MIGRATIONS_DIR, name), join(earlier, name), { recursive: true });
    await applyMigrations(sql, earlier);
    await rm(earlier, { recursive: true, force: true });
    await rowsFromBefore(sql);
    expect(await applyMigrations(sql)).toContain(MIGRATION);
  });
  afterAll(async () => {
    await client?.end();
    await server?.drop();
  });

  it("brings each image's status and primary flag up to what the review recorded", async () => {
    const rows = await sql.query<{ id: string; status: string; isPrimary: boolean }>(`SELECT id, status, "isPrimary" FROM "ProductImage"`);
    expect(Object.fromEntries(rows.map((r) => [r.id, [r.status, r.isPrimary]]))).toEqual({
      [approved]: ["approved", true],
      [rejected]: ["rejected", false],
      [variant]: ["optimized", false],
      [pending]: ["pending", false],
    });
  });

  it("brings each draft's revision up to its stream's on the database's own log", async () => {
    const rows = await sql.query<{ id: string; revision: string }>(`SELECT id, revision::text FROM "ProductDraft"`);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.revision]))).toEqual({ [reviewed]: "6", [unreviewed]: "2" });
  });
});
