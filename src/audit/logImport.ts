import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import pg from "pg";
import { processManagers } from "../processmanagers/registry.ts";
import { chainHash } from "./eventHash.ts";
import { ExportedEvent, recordedFrom } from "./logExport.ts";

const BATCH = 1_000;

/** An import refused, with where: nothing of it was written. */
export class ImportRefused extends Error {
  override readonly name = "ImportRefused";
  constructor(
    readonly line: number | undefined,
    reason: string,
  ) {
    super(line === undefined ? reason : `line ${line}: ${reason}`);
  }
}

/**
 * Loads a whole-log export into a database whose log is empty, in one transaction: each line's hash
 * is computed again and must match, and chain onto the line before, so a tampered or partial export
 * writes nothing. Events keep their positions, revisions, ids and times, so the projectors fold them
 * into the same read models; the processors' checkpoints start at the imported head, since what
 * they did in reaction is in the log already.
 */
export async function importLog(databaseUrl: string, input: Readable): Promise<{ events: number; headPosition: string | null }> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "po-pipeline audit import" });
  await client.connect();
  try {
    await client.query("BEGIN");
    await client.query("LOCK TABLE event_log IN EXCLUSIVE MODE");
    const { rows } = await client.query<{ occupied: boolean }>("select exists (select 1 from event_log) as occupied");
    if (rows[0]!.occupied) throw new ImportRefused(undefined, "the database's event log is not empty: import only into an empty database");
    let previous: string | null = null;
    let unchainedFrom: number | undefined;
    let events = 0;
    let head: string | null = null;
    let batch: ExportedEvent[] = [];
    let number = 0;
    // Read from here on only: lines read while the checks above ran would be lost to the loop.
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      number++;
      if (text.trim() === "") continue;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ImportRefused(number, "is not JSON");
      }
      const parsed = ExportedEvent.safeParse(json);
      if (!parsed.success)
        throw new ImportRefused(number, parsed.error.issues.map((i) => `${i.path.join(".") || "(line)"}: ${i.message}`).join("; "));
      const line = parsed.data;
      if (line.hash === null) unchainedFrom ??= number;
      else if (unchainedFrom !== undefined) throw new ImportRefused(number, `chained, after the unchained line ${unchainedFrom}`);
      else if (line.previousHash !== previous)
        throw new ImportRefused(
          number,
          `position ${line.position} does not follow the line before it in the chain (an event removed, or not a whole-log export)`,
        );
      else if (chainHash(previous === null ? undefined : Buffer.from(previous, "hex"), recordedFrom(line)).toString("hex") !== line.hash)
        throw new ImportRefused(number, `position ${line.position} does not match its hash: the event was altered`);
      previous = line.hash ?? previous;
      batch.push(line);
      head = line.position;
      events++;
      if (batch.length >= BATCH) batch = await insert(client, batch);
    }
    await insert(client, batch);
    if (head !== null) {
      await client.query("select setval('event_log_position_seq', $1::bigint)", [head]);
      await client.query(
        `insert into "Checkpoint" (subscriber, position, "updatedAt") select unnest($1::text[]), $2::bigint, now()
         on conflict (subscriber) do update set position = excluded.position, "updatedAt" = now()`,
        [processManagers.map((pm) => `processor:${pm.name}`), head],
      );
    }
    await client.query("COMMIT");
    return { events, headPosition: head };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

async function insert(client: pg.Client, lines: ExportedEvent[]): Promise<ExportedEvent[]> {
  if (lines.length === 0) return [];
  await client.query(
    `insert into event_log (position, stream_name, stream_revision, event_id, event_type, data, metadata, created_at)
     select * from unnest($1::bigint[], $2::text[], $3::bigint[], $4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[], $8::timestamptz[])`,
    [
      lines.map((l) => l.position),
      lines.map((l) => l.stream),
      lines.map((l) => l.revision),
      lines.map((l) => l.id),
      lines.map((l) => l.type),
      lines.map((l) => JSON.stringify(l.data)),
      lines.map((l) => JSON.stringify(l.metadata)),
      lines.map((l) => l.created),
    ],
  );
  return [];
}
