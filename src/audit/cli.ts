import { parseArgs } from "node:util";
import cliProgress from "cli-progress";

export const auditUsage = ["       npm run cli -- audit verify [--projection <group>]... [--swap]"].join("\n");

type Output = { out: (line: string) => void; err: NodeJS.WritableStream };
type Connection = { base: string; headers: Record<string, string> };

/** The auditors' commands, through the running app's admin API like every other command. */
export async function runAuditCli(args: string[], connection: Connection, output: Output): Promise<number> {
  const [action, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { projection: { type: "string", multiple: true }, swap: { type: "boolean" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    output.out(`${(error as Error).message}\nusage:\n${auditUsage}`);
    return 2;
  }
  switch (action) {
    case "verify":
      return verify(connection, { projections: parsed.values.projection, swap: parsed.values.swap ?? false }, output);
    default:
      output.out(`unknown audit action "${action ?? ""}"\nusage:\n${auditUsage}`);
      return 2;
  }
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

async function verify(connection: Connection, body: { projections?: string[]; swap: boolean }, { out, err }: Output): Promise<number> {
  const response = await fetch(`${connection.base}/admin/audit/verify`, {
    method: "POST",
    headers: { ...connection.headers, "content-type": "application/json" },
    body: JSON.stringify(body),
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
        skipped: unknown[];
        groups: string[];
      };
      for (const skipped of report.skipped) out(`skipped (does not decode): ${JSON.stringify(skipped)}`);
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
