/**
 * Replay and verify at scale: 1,000,000 events rebuilt into the shadow schema and compared row by
 * row with the live read models, on the embedded server (or a fresh database at DATABASE_URL when
 * set). The log is seeded in SQL: one real upload of a sample PO through the app (its drafts, image
 * searches, attachments, review and stage log), then copied with fresh ids by INSERT … SELECT until
 * the log holds a million events. A first verify with --swap makes the live read models (as if the
 * projectors had followed the log); the second, measured one rebuilds everything again and must
 * find no difference. Prints one JSON line.
 */
import { readFile } from "node:fs/promises";
import { CatalogFeedProvider } from "../src/integrations/imageSearch/catalogFeed.ts";
import { SAMPLE_CATALOG } from "../src/integrations/imageSearch/fromConfig.ts";
import { verifyReadModels } from "../src/audit/readModelVerification.ts";
import { groupNames } from "../src/audit/readModelTables.ts";
import { PostgresEventStore } from "../src/eventstore/postgres.ts";
import { benchDatabase } from "./benchDatabase.ts";
import { startBenchSystem } from "./benchSystem.ts";

const EVENTS = Number(process.env.BENCH_REBUILD_EVENTS ?? 1_000_000);
const COPIES_PER_STATEMENT = 2_000;
/** Stands for the copy's number in every id of the template; not hex, so it never occurs by chance. */
const COPY = "zzzzzzzzzzzz";
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

type TemplateEvent = {
  stream_name: string;
  stream_revision: string;
  event_id: string;
  event_type: string;
  data: string;
  metadata: string;
  created_at: Date;
};

const database = await benchDatabase();
const store = new PostgresEventStore(database.url);
try {
  const seedStarted = Date.now();
  const template = await templateEvents();
  const copies = Math.ceil(EVENTS / template.length);
  await seed(template, copies);
  const seedSeconds = (Date.now() - seedStarted) / 1000;

  // The live read models, as projectors following the log would have left them.
  await database.prisma.$executeRawUnsafe(
    `insert into "Checkpoint" (subscriber, position, "updatedAt") select 'projection:' || unnest($1::text[]), (select max(position) from event_log), now()`,
    groupNames,
  );
  const live = await verifyReadModels({ store, databaseUrl: database.url }, { swap: true });
  const report = await verifyReadModels({ store, databaseUrl: database.url });
  console.log(
    JSON.stringify({
      bench: "rebuild",
      database: database.kind,
      logEvents: copies * template.length,
      /** The events of the types the projections handle: what the rebuild reads and folds in. */
      events: report.events,
      eventsPerSecond: Math.round(report.events / report.seconds),
      totalSeconds: report.seconds,
      differences: report.differences.length,
      skipped: report.skipped.length,
      firstRebuildSeconds: live.seconds,
      seedSeconds,
      templateEvents: template.length,
      copies,
    }),
  );
  if (report.differences.length > 0 || report.skipped.length > 0) process.exitCode = 1;
} finally {
  await store.close();
  await database.close();
}

/** One sample PO through the whole pipeline, its review decided in part, then the log emptied again. */
async function templateEvents(): Promise<TemplateEvent[]> {
  const system = await startBenchSystem(database, { imageSearch: await CatalogFeedProvider.load(SAMPLE_CATALOG) });
  try {
    const id = await system.upload("acme-outdoor.csv", await readFile("samples/acme-outdoor.csv", "utf8"));
    for (let po = await system.purchaseOrder(id); po.status !== "complete"; po = await system.purchaseOrder(id))
      await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    await system.stop();
  }
  const events = await database.prisma.$queryRawUnsafe<TemplateEvent[]>(
    `select stream_name, stream_revision::text, event_id::text, event_type, data::text, metadata::text, created_at from event_log order by position`,
  );
  const tables = await database.prisma.$queryRawUnsafe<{ name: string }[]>(
    `select quote_ident(tablename) as name from pg_tables where schemaname = 'public' and tablename <> '_prisma_migrations'
       and tablename not in ('Merchant', 'ApiKey', 'ApiKeySecretCheck', 'RateLimiter', 'StoredFile')`,
  );
  await database.prisma.$executeRawUnsafe(`truncate ${tables.map((t) => t.name).join(", ")} cascade`);
  return events;
}

/** Every id of the template made one of its own per copy: the template's n-th id, with the copy's number at its end. */
async function seed(template: TemplateEvent[], copies: number): Promise<void> {
  const ids = new Map<string, string>();
  const generic = (text: string) =>
    text.replace(UUID, (uuid) => {
      const key = uuid.toLowerCase();
      if (!ids.has(key)) ids.set(key, `${ids.size.toString(16).padStart(8, "0")}-0000-4000-8000-${COPY}`);
      return ids.get(key)!;
    });
  const rows = template.map((event) => ({
    ...event,
    stream_name: generic(event.stream_name),
    event_id: generic(event.event_id),
    data: generic(event.data),
    metadata: generic(event.metadata),
  }));
  await database.prisma.$executeRawUnsafe(
    `create table bench_template as select * from unnest($1::int[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[])
       as t(n, stream_name, stream_revision, event_id, event_type, data, metadata, created_at)`,
    rows.map((_, n) => n),
    rows.map((r) => r.stream_name),
    rows.map((r) => r.stream_revision),
    rows.map((r) => r.event_id),
    rows.map((r) => r.event_type),
    rows.map((r) => r.data),
    rows.map((r) => r.metadata),
    rows.map((r) => r.created_at),
  );
  const copy = `lpad(to_hex(c), 12, '0')`;
  for (let from = 0; from < copies; from += COPIES_PER_STATEMENT) {
    const to = Math.min(copies, from + COPIES_PER_STATEMENT) - 1;
    await database.prisma.$executeRawUnsafe(
      `insert into event_log (position, stream_name, stream_revision, event_id, event_type, data, metadata, created_at)
       select c * ${template.length} + t.n + 1, replace(t.stream_name, '${COPY}', ${copy}), t.stream_revision,
         replace(t.event_id, '${COPY}', ${copy})::uuid, t.event_type, replace(t.data, '${COPY}', ${copy})::jsonb,
         replace(t.metadata, '${COPY}', ${copy})::jsonb, t.created_at
       from generate_series(${from}, ${to}) as c cross join bench_template as t order by 1`,
    );
  }
  await database.prisma.$executeRawUnsafe("drop table bench_template");
  await database.prisma.$executeRawUnsafe("select setval('event_log_position_seq', (select max(position) from event_log))");
}
