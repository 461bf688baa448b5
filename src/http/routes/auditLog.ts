import { once } from "node:events";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { exportLog } from "../../audit/logExport.ts";
import { verifyLog } from "../../audit/logVerification.ts";
import type { AppDependencies } from "../dependencies.ts";

const ExportQuery = z
  .object({ stream: z.string().min(1).max(300).optional(), merchant: z.string().min(1).max(200).optional() })
  .refine((query) => !(query.stream && query.merchant), { message: "give a stream or a merchant, not both", path: ["stream"] });

/** The log's tamper evidence, behind the admin key: the chain checked again, and exports that carry it. */
export const auditLogRoutes =
  ({ store, prisma }: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/admin/audit/verify-log",
      { schema: { summary: "Recompute the log's hash chain and name the first event altered, inserted or removed" } },
      () => verifyLog(store, prisma),
    );

    app.get(
      "/admin/audit/export",
      {
        schema: {
          summary: "A stream, a merchant's events or the whole log as NDJSON, each line with its chained hash",
          querystring: ExportQuery,
        },
      },
      async (request, reply) => {
        reply.hijack();
        const out = reply.raw;
        out.writeHead(200, { "content-type": "application/x-ndjson; charset=utf-8" });
        try {
          for await (const line of exportLog(store, prisma, request.query)) {
            // Written no faster than the client reads: memory stays at a page whatever the log's size.
            if (!out.write(line)) await Promise.race([once(out, "drain"), once(out, "close")]);
            if (out.destroyed) return;
          }
        } catch (error) {
          request.log.error({ err: error }, "export failed");
          out.destroy(error as Error);
          return;
        }
        out.end();
      },
    );
  };
