import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { parseCutoff, purchaseOrderAsOf } from "../../audit/asOf.ts";
import { allHistory, purchaseOrderHistory, streamHistory, type Auditor } from "../../audit/history.ts";
import { ValidationError } from "../../errors.ts";
import { bearerAuthentication } from "../auth.ts";
import type { AppDependencies } from "../dependencies.ts";
import { limitRequests } from "../requestLimits.ts";

declare module "fastify" {
  interface FastifyRequest {
    auditor: Auditor;
  }
}

const digest = (key: string) => createHash("sha256").update(key).digest();

/** The admin key reads every stream; any other key is a merchant's, reading its own (and nothing tells it another's exist). */
function auditorAuthentication({ adminKey, keys }: Pick<AppDependencies, "adminKey" | "keys">) {
  const merchant = bearerAuthentication(keys);
  const admin = digest(adminKey);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const presented = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
    if (presented && timingSafeEqual(digest(presented), admin)) {
      request.auditor = { kind: "admin" };
      return;
    }
    await merchant(request, reply);
    if (reply.sent) return reply;
    request.auditor = { kind: "merchant", merchantId: request.merchantId };
  };
}

export const PageQuery = z.object({
  from: z
    .string()
    .regex(/^\d{1,19}$/, "must be a revision or position (digits), as a page's next or previous link gives it")
    .transform(BigInt)
    .optional(),
  direction: z.enum(["forwards", "backwards"]).default("forwards"),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const Time = z.iso.datetime({ offset: true, message: "must be an ISO time, e.g. 2026-12-02T10:00:00Z" }).transform((t) => new Date(t));
const AllQuery = PageQuery.extend({ since: Time.optional(), until: Time.optional() });
const StreamParams = z.object({ name: z.string().min(1).max(200) });
const PurchaseOrderParams = z.object({ id: z.uuid({ message: "must be a purchase order id (a UUID)" }) });
export const AsOf = z.string().transform((text, context) => {
  const cutoff = parseCutoff(text);
  if (!cutoff) context.addIssue({ code: "custom", message: "must be an ISO time (2026-12-02T10:00:00Z) or a log position (digits)" });
  return cutoff ?? z.NEVER;
});

/**
 * What auditors read: streams with each event's state after and diff, `$all`, a PO's whole history
 * and the PO as of a moment, all folded from the log itself (never from the read models).
 */
export const auditRoutes =
  (deps: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    app.addHook("onRequest", auditorAuthentication(deps));
    app.addHook(
      "onRequest",
      limitRequests(
        app,
        (request) => (request.auditor.kind === "admin" ? deps.limits.adminPerMinute : deps.limits.merchantPerMinute),
        (request) => (request.auditor.kind === "admin" ? "admin" : `merchant:${request.auditor.merchantId}`),
      ),
    );

    app.get(
      "/streams/:name",
      {
        schema: {
          summary:
            "A stream's events (revision, position, time, metadata, causes and effects) with, for a decider's stream, the state after each and the field-level diff; paged both ways. $all: the admin key only",
          params: StreamParams,
          querystring: AllQuery,
        },
      },
      async (request) => {
        const { name } = request.params;
        if (name === "$all") return allHistory(deps.store, request.auditor, request.query);
        const byTime = (["since", "until"] as const).filter((key) => request.query[key] !== undefined);
        if (byTime.length > 0)
          throw new ValidationError(
            `A stream is paged by revision; since and until are for $all`,
            byTime.map((key) => ({ path: `querystring.${key}`, message: "only for $all" })),
          );
        return streamHistory(deps.store, request.auditor, name, request.query);
      },
    );

    app.get(
      "/audit/all",
      {
        schema: {
          summary: "The whole log ($all) by position or time range (since, until), paged both ways: the admin key only",
          querystring: AllQuery,
        },
      },
      (request) => allHistory(deps.store, request.auditor, request.query),
    );

    app.get(
      "/audit/purchase-orders/:id/history",
      {
        schema: {
          summary:
            "Everything that happened to a PO (its stream, stage log, review and every draft's stream) in log order, with states and diffs",
          params: PurchaseOrderParams,
          querystring: PageQuery,
        },
      },
      (request) => purchaseOrderHistory(deps.store, request.auditor, request.params.id, request.query),
    );

    app.get(
      "/audit/purchase-orders/:id",
      {
        schema: {
          summary: "A PO as it was at a time or log position, rebuilt from its events",
          params: PurchaseOrderParams,
          querystring: z.object({ asOf: AsOf }),
        },
      },
      (request) => purchaseOrderAsOf(deps.store, request.auditor, request.params.id, request.query.asOf),
    );
  };
