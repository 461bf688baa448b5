import { parseArgs } from "node:util";

export const historyUsage =
  "       npm run cli -- audit history <stream> [--from <revision>] [--backwards] [--limit <n>] [--json] | all [--from <position>] [--since <time>] [--until <time>] [--backwards] [--limit <n>] [--json] | po-history <purchase-order-id> [--json] | as-of <purchase-order-id> <time|position>";

type AuditCall = { method: "GET"; path: string; format?: (body: unknown) => string[] };

type Entry = {
  type: string;
  streamName: string;
  revision: string;
  position: string;
  time: string;
  metadata: { actor?: string };
  diff?: { path: string; before?: unknown; after?: unknown }[];
  causedBy: { kind: string; type?: string; streamName?: string; revision?: string; id: string } | null;
};
type HistoryPage = { events: Entry[]; next: string | null; previous: string | null };

const shown = (value: unknown) => (value === undefined ? "—" : JSON.stringify(value));

/** One line per event (who did what when, and what it changed), then where the neighbouring pages are. */
function historyLines(body: unknown): string[] {
  const page = body as HistoryPage;
  const lines = page.events.flatMap((e) => {
    const cause = !e.causedBy
      ? ""
      : e.causedBy.kind === "event"
        ? ` (caused by ${e.causedBy.type} ${e.causedBy.streamName}#${e.causedBy.revision})`
        : ` (request ${e.causedBy.id})`;
    const head = `${e.time}  ${e.streamName}#${e.revision} @${e.position}  ${e.type} by ${e.metadata.actor ?? "?"}${cause}`;
    return [head, ...(e.diff ?? []).map((change) => `    ${change.path}: ${shown(change.before)} → ${shown(change.after)}`)];
  });
  return [...lines, `previous: ${page.previous ?? "(none)"}`, `next: ${page.next ?? "(none)"}`];
}

/** The audit group of the CLI: each command is a GET of an audit route, printed as lines or (--json) as the route's JSON. */
export function auditCall(action: string, rest: string[]): AuditCall | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        from: { type: "string" },
        since: { type: "string" },
        until: { type: "string" },
        limit: { type: "string" },
        backwards: { type: "boolean" },
        json: { type: "boolean" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return `${(error as Error).message}\n${historyUsage}`;
  }
  const { values, positionals } = parsed;
  const [subject, when] = positionals;
  const query = new URLSearchParams();
  for (const key of ["from", "since", "until", "limit"] as const) if (values[key] !== undefined) query.set(key, values[key]);
  if (values.backwards) query.set("direction", "backwards");
  const withQuery = (path: string) => (query.size > 0 ? `${path}?${query}` : path);
  const format = values.json ? undefined : historyLines;
  switch (action) {
    case "history":
      return subject
        ? { method: "GET", path: withQuery(`/streams/${encodeURIComponent(subject)}`), format }
        : `audit history needs a stream name\n${historyUsage}`;
    case "all":
      return { method: "GET", path: withQuery("/audit/all"), format };
    case "po-history":
      return subject
        ? { method: "GET", path: withQuery(`/audit/purchase-orders/${encodeURIComponent(subject)}/history`), format }
        : `audit po-history needs a purchase order id\n${historyUsage}`;
    case "as-of":
      return subject && when
        ? { method: "GET", path: `/audit/purchase-orders/${encodeURIComponent(subject)}?asOf=${encodeURIComponent(when)}` }
        : `audit as-of needs a purchase order id and a time or position\n${historyUsage}`;
    default:
      return `unknown action "${action}"\n${historyUsage}`;
  }
}
