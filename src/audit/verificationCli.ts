import { createReadStream, createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { openDatabase } from "../db/database.ts";
import { ImportRefused, importLog } from "./logImport.ts";
import type { SkippedEvent } from "./shadowRebuild.ts";

export const verificationUsage = [
  "       npm run cli -- audit verify [--projection <group>]... [--swap]",
  "       npm run cli -- audit verify-log",
  "       npm run cli -- audit export [--stream <name> | --merchant <id>] [--out <file>]",
  "       npm run cli -- audit import <file>   (straight into the database at DATABASE_URL, or DATA_DIR's embedded one; the app stopped)",
].join("\n");

type Output = { out: (line: string) => void; err: NodeJS.WritableStream };
type Connection = { base: string; headers: Record<string, string> };

/** The auditors' commands, through the running app's admin API like every other command. */
export async function runAuditCli(args: string[], connection: Connection, output: Output): Promise<number> {
  const [action, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        projection: { type: "string", multiple: true },
        swap: { type: "boolean" },
        stream: { type: "string" },
        merchant: { type: "string" },
        out: { type: "string" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    output.out(`${(error as Error).message}\nusage:\n${verificationUsage}`);
    return 2;
  }
  switch (action) {
    case "verify":
      return verify(connection, { projections: parsed.values.projection, swap: parsed.values.swap ?? false }, output);
    case "verify-log":
      return verifyLogCommand(connection, output);
    case "export":
      return exportCommand(connection, parsed.values, output);
    default:
      output.out(`unknown audit action "${action ?? ""}"\nusage:\n${verificationUsage}`);
      return 2;
  }
}

/** `audit import` writes the database itself: it is meant for an empty one, before the app runs on it. */
export async function runAuditImport(file: string | undefined, env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  if (!file) {
    out(`audit import needs a file\nusage:\n${verificationUsage}`);
    return 2;
  }
  const database = await openDatabase(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : { dataDir: env.DATA_DIR ?? "./data" });
  try {
    const { events, headPosition } = await importLog(database.url, createReadStream(file));
    out(
      `imported ${events} events (head position ${headPosition ?? "none"}); the projectors build the read models from them at the next start`,
    );
    return 0;
  } catch (error) {
    if (!(error instanceof ImportRefused)) throw error;
    out(`import refused, nothing written: ${error.message}`);
    return 1;
  } finally {
    await database.close();
  }
}

async function verifyLogCommand(connection: Connection, { out }: Output): Promise<number> {
  const response = await fetch(`${connection.base}/admin/audit/verify-log`, { headers: connection.headers });
  const body = (await response.json()) as { problem: { kind: string; position: string } | null; verified: number };
  out(JSON.stringify(body, null, 2));
  if (body.problem) out(`the log was tampered with: event at position ${body.problem.position} ${body.problem.kind}`);
  return response.ok && !body.problem ? 0 : 1;
}

async function exportCommand(
  connection: Connection,
  options: { stream?: string; merchant?: string; out?: string },
  { out }: Output,
): Promise<number> {
  const query = new URLSearchParams();
  if (options.stream) query.set("stream", options.stream);
  if (options.merchant) query.set("merchant", options.merchant);
  const response = await fetch(`${connection.base}/admin/audit/export?${query}`, { headers: connection.headers });
  if (!response.ok || !response.body) {
    out(`${response.status} ${await response.text()}`);
    return 1;
  }
  // Streamed through to the file: nothing is held but the chunk in hand.
  const body = Readable.fromWeb(response.body as WebReadableStream);
  if (options.out) await pipeline(body, createWriteStream(options.out));
  else
    for await (const chunk of body) if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once("drain", resolve));
  return 0;
}

type ServerSentEvent = { event: string; data: unknown };

/** The frames of a text/event-stream body, as they arrive. */
async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const decoder = new TextDecoder();
  let buffered = "";
  const reader = body.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    buffered += decoder.decode(read.value, { stream: true });
    let end;
    while ((end = buffered.indexOf("\n\n")) >= 0) {
      const block = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const field = (name: string) =>
        block
          .split("\n")
          .find((line) => line.startsWith(`${name}: `))
          ?.slice(name.length + 2);
      const event = field("event");
      const data = field("data");
      if (event && data !== undefined) yield { event, data: JSON.parse(data) };
    }
  }
}

type Difference = { table: string; key: unknown; column: string; live: unknown; rebuilt: unknown };

async function verify(connection: Connection, options: { projections?: string[]; swap: boolean }, { out, err }: Output): Promise<number> {
  const query = new URLSearchParams();
  if (options.projections) query.set("projections", options.projections.join(","));
  if (options.swap) query.set("swap", "true");
  const response = await fetch(`${connection.base}/admin/audit/verify?${query}`, {
    method: "POST",
    headers: { ...connection.headers, accept: "text/event-stream" },
  });
  if (!response.ok || !response.body) {
    out(`${response.status} ${await response.text()}`);
    return 1;
  }
  // On the error stream, so the differences on standard output stay a clean list.
  const bar = new cliProgress.SingleBar(
    { stream: err, format: "rebuilding {bar} {percentage}% | position {value}/{total} | {eventsPerSecond} events/s | ETA {eta_formatted}" },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let differences = 0;
  let exitCode = 1;
  for await (const { event, data } of serverSentEvents(response.body)) {
    if (event === "progress") {
      const progress = data as { position: number; target: number; eventsPerSecond: number };
      if (!started) bar.start(progress.target, progress.position, { eventsPerSecond: progress.eventsPerSecond });
      started = true;
      bar.setTotal(progress.target);
      bar.update(progress.position, { eventsPerSecond: progress.eventsPerSecond });
    } else if (event === "difference") {
      const d = data as Difference;
      differences++;
      out(`${d.table} ${JSON.stringify(d.key)} ${d.column}: live ${JSON.stringify(d.live)}, rebuilt ${JSON.stringify(d.rebuilt)}`);
    } else if (event === "result") {
      if (started) bar.stop();
      const report = data as {
        events: number;
        seconds: number;
        swapped: boolean;
        truncated: boolean;
        skipped: SkippedEvent[];
        groups: string[];
      };
      for (const skipped of report.skipped) out(`skipped ${skipped.type} at ${skipped.position} in ${skipped.stream}: ${skipped.reason}`);
      out(
        `${report.groups.join(", ")}: ${report.events} events replayed in ${report.seconds} s; ` +
          `${differences === 0 ? "no differences" : `${differences}${report.truncated ? "+" : ""} differences`}` +
          `${report.swapped ? "; the rebuilt read models are live now" : ""}`,
      );
      exitCode = differences === 0 ? 0 : 1;
    } else if (event === "error") {
      if (started) bar.stop();
      out(`verification failed: ${(data as { message: string }).message}`);
    }
  }
  return exitCode;
}
