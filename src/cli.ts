/**
 * Operating a running po-pipeline (processors, projections, merchants and their keys) through its admin API (the embedded database
 * belongs to the running process, so the CLI talks to that process rather than to the database).
 *
 *   npm run cli -- processors status
 *   npm run cli -- processors pause|resume <processor>
 *   npm run cli -- processors parked [processor]
 *   npm run cli -- processors retry|discard <parked-message-id>
 *   npm run cli -- processors replay-parked <processor>   (EventStoreDB: what the server parked)
 *   npm run cli -- processors quarantine [processor]
 *   npm run cli -- processors retry-quarantine|skip-quarantine <processor> <purchase-order-id>
 *   npm run cli -- projections status
 *   npm run cli -- projections quarantine [projector]
 *   npm run cli -- projections retry|skip <projector> <purchase-order-id>
 *   npm run cli -- merchants create <id> [--name <name>] | merchants list
 *   npm run cli -- keys create <merchant> [--label <label>] | keys list [merchant] | keys revoke <key-id>
 *   npm run cli -- audit history <stream> | all | po-history <purchase-order-id> | as-of <purchase-order-id> <time|position>
 *   npm run cli -- audit verify [--projection <group>]... [--swap] | verify-log | export [...] | import <file>
 *   npm run cli -- publish <purchase-order-id>   (to its merchant's Shopify store)
 *
 * PO_PIPELINE_URL (default http://127.0.0.1:3000) and ADMIN_KEY say where and as whom; the audit
 * history commands take a merchant's key instead from PO_PIPELINE_KEY (that merchant's streams only).
 */
import { parseArgs } from "node:util";
import { auditCall, historyUsage } from "./audit/historyCli.ts";
import { runAuditCli, runAuditImport, verificationUsage } from "./audit/verificationCli.ts";

const usage = [
  "usage: npm run cli -- processors status | pause <processor> | resume <processor> | parked [processor] | retry <id> | discard <id> | replay-parked <processor>",
  "       npm run cli -- processors quarantine [processor] | retry-quarantine <processor> <purchase-order-id> | skip-quarantine <processor> <purchase-order-id>",
  "       npm run cli -- projections status | quarantine [projector] | retry <projector> <purchase-order-id> | skip <projector> <purchase-order-id>",
  "       npm run cli -- merchants create <id> [--name <name>] | list",
  "       npm run cli -- keys create <merchant> [--label <label>] | list [merchant] | revoke <key-id>",
  historyUsage,
  verificationUsage,
  "       npm run cli -- publish <purchase-order-id>",
].join("\n");

type Call = {
  method: string;
  path: string;
  body?: Record<string, string | undefined>;
  /** Lines to print instead of the answer's JSON. */
  format?: (body: unknown) => string[];
  /** Sent with a merchant's key where one is given (PO_PIPELINE_KEY), else the admin's. */
  merchantMay?: boolean;
};

export function callFor(args: string[]): Call | string {
  const [group, action, argument] = args;
  if (group === "projections" && action) return projectionsCall(action, args.slice(2));
  if ((group === "merchants" || group === "keys") && action) return merchantsCall(group, action, args.slice(2));
  if (group === "audit" && action) {
    const call = auditCall(action, args.slice(2));
    return typeof call === "string" ? call : { ...call, merchantMay: true };
  }
  if (group === "publish")
    return action
      ? { method: "POST", path: `/admin/purchase-orders/${encodeURIComponent(action)}/publish` }
      : `publish needs a purchase order id\n${usage}`;
  if (group !== "processors" || !action) return usage;
  const needs = (what: string) => (argument ? undefined : `${action} needs a ${what}\n${usage}`);
  switch (action) {
    case "status":
      return { method: "GET", path: "/admin/processors" };
    case "pause":
    case "resume":
      return needs("processor name") ?? { method: "POST", path: `/admin/processors/${encodeURIComponent(argument!)}/${action}` };
    case "replay-parked":
      return needs("processor name") ?? { method: "POST", path: `/admin/processors/${encodeURIComponent(argument!)}/replay-parked` };
    case "parked":
      return { method: "GET", path: argument ? `/admin/parked?processor=${encodeURIComponent(argument)}` : "/admin/parked" };
    case "retry":
      return needs("parked message id") ?? { method: "POST", path: `/admin/parked/${encodeURIComponent(argument!)}/retry` };
    case "discard":
      return needs("parked message id") ?? { method: "DELETE", path: `/admin/parked/${encodeURIComponent(argument!)}` };
    case "quarantine":
      return quarantineCall("processor", argument);
    case "retry-quarantine":
    case "skip-quarantine": {
      const purchaseOrderId = args[3];
      if (!argument || !purchaseOrderId) return `${action} needs a processor and a purchase order id\n${usage}`;
      return {
        method: "POST",
        path: `/admin/processors/${encodeURIComponent(argument)}/quarantine/${encodeURIComponent(purchaseOrderId)}/${action.replace("-quarantine", "")}`,
      };
    }
    default:
      return `unknown action "${action}"\n${usage}`;
  }
}

/** Both kinds of consumer keep their quarantine in one place; each group's CLI lists its own. */
function quarantineCall(kind: "projection" | "processor", name: string | undefined): Call {
  return { method: "GET", path: name ? `/admin/quarantine?consumer=${encodeURIComponent(`${kind}:${name}`)}` : "/admin/quarantine" };
}

function projectionsCall(action: string, [projector, purchaseOrderId]: string[]): Call | string {
  switch (action) {
    case "status":
      return { method: "GET", path: "/admin/projections" };
    case "quarantine":
      return quarantineCall("projection", projector);
    case "retry":
    case "skip":
      if (!projector || !purchaseOrderId) return `${action} needs a projector and a purchase order id\n${usage}`;
      return {
        method: "POST",
        path: `/admin/projections/${encodeURIComponent(projector)}/quarantine/${encodeURIComponent(purchaseOrderId)}/${action}`,
      };
    default:
      return `unknown action "${action}"\n${usage}`;
  }
}

/** Node's own parseArgs for the --name and --label options: it refuses unknown ones and says which. */
function merchantsCall(group: "merchants" | "keys", action: string, rest: string[]): Call | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { name: { type: "string" }, label: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return `${(error as Error).message}\n${usage}`;
  }
  const [subject] = parsed.positionals;
  const { name, label } = parsed.values;
  switch (`${group} ${action}`) {
    case "merchants create":
      return subject
        ? { method: "POST", path: "/admin/merchants", body: { id: subject, name } }
        : `merchants create needs a merchant id\n${usage}`;
    case "merchants list":
      return { method: "GET", path: "/admin/merchants" };
    case "keys create":
      return subject
        ? { method: "POST", path: `/admin/merchants/${encodeURIComponent(subject)}/keys`, body: { label } }
        : `keys create needs a merchant id\n${usage}`;
    case "keys list":
      return { method: "GET", path: subject ? `/admin/keys?merchant=${encodeURIComponent(subject)}` : "/admin/keys" };
    case "keys revoke":
      return subject
        ? { method: "POST", path: `/admin/keys/${encodeURIComponent(subject)}/revoke` }
        : `keys revoke needs a key id\n${usage}`;
    default:
      return `unknown action "${action}"\n${usage}`;
  }
}

/** The audit commands that rebuild, check or export the log; the others read history through callFor. */
const VERIFICATION = new Set(["verify", "verify-log", "export"]);

export async function runCli(args: string[], env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  if (args[0] === "audit" && args[1] === "import") return runAuditImport(args[2], env, out);
  if (args[0] === "audit" && VERIFICATION.has(args[1] ?? "")) {
    if (!env.ADMIN_KEY) return missingAdminKey(out);
    const connection = { base: env.PO_PIPELINE_URL ?? "http://127.0.0.1:3000", headers: { authorization: `Bearer ${env.ADMIN_KEY}` } };
    return runAuditCli(args.slice(1), connection, { out, err: process.stderr });
  }
  const call = callFor(args);
  if (typeof call === "string") {
    out(call);
    return 2;
  }
  const key = (call.merchantMay && env.PO_PIPELINE_KEY) || env.ADMIN_KEY;
  if (!key) return missingAdminKey(out);
  const base = env.PO_PIPELINE_URL ?? "http://127.0.0.1:3000";
  let response: Response;
  try {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (call.body) headers["content-type"] = "application/json";
    response = await fetch(`${base}${call.path}`, { method: call.method, headers, body: call.body && JSON.stringify(call.body) });
  } catch (error) {
    out(`could not reach po-pipeline at ${base}: ${(error as Error).message}`);
    return 1;
  }
  const text = await response.text();
  const body = text ? JSON.parse(text) : undefined;
  if (response.ok && call.format && body !== undefined) for (const line of call.format(body)) out(line);
  else out(body !== undefined ? JSON.stringify(body, null, 2) : `${response.status} ${response.statusText}`);
  if (response.ok && call.path.endsWith("/keys") && call.method === "POST")
    out("Keep this key now: it is stored only as a hash and never shown again.");
  return response.ok ? 0 : 1;
}

function missingAdminKey(out: (line: string) => void): number {
  out("ADMIN_KEY is not set: use the key the server printed at start (or its ADMIN_KEY setting)");
  return 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await runCli(process.argv.slice(2), process.env, (line) => console.log(line));
}
