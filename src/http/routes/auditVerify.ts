import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { groupNames, type GroupName } from "../../audit/readModelTables.ts";
import { VerificationRunning, verifyReadModels } from "../../audit/readModelVerification.ts";
import type { RebuildProgress } from "../../audit/shadowRebuild.ts";
import type { AppDependencies } from "../dependencies.ts";
import { HttpError } from "../errorHandler.ts";

const PROGRESS_EVERY_MS = 250;

const Query = z
  .object({
    projections: z
      .string()
      .transform((list) => list.split(","))
      .pipe(
        z.array(z.enum(groupNames as [GroupName, ...GroupName[]], { message: `must list projection groups: ${groupNames.join(", ")}` })),
      )
      .optional(),
    swap: z.enum(["true", "false"]).optional(),
  })
  .strict();

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** Events done, their rate and the time left, from the rebuild's start. */
function progressView(progress: RebuildProgress, startedAt: number) {
  const seconds = (Date.now() - startedAt) / 1000;
  const rate = seconds > 0 ? progress.events / seconds : 0;
  const done = Number(progress.position);
  const total = Number(progress.target);
  const left = total > done && rate > 0 ? ((total - done) / done) * seconds : 0;
  return { events: progress.events, position: done, target: total, eventsPerSecond: Math.round(rate), etaSeconds: Math.round(left) };
}

/**
 * Replay and verify, behind the admin key. A client that accepts text/event-stream (the CLI) gets
 * the rebuild's progress, each difference and the report as server-sent events on the response;
 * any other gets the report as JSON once it is done. Invalid queries answer 400 before anything starts.
 */
export const auditVerifyRoutes =
  ({ store, databaseUrl }: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/admin/audit/verify",
      {
        schema: {
          summary:
            "Rebuild projection groups (?projections=a,b) from position 0 into a shadow schema, compare with the live read models, swap them in with ?swap=true",
          querystring: Query,
        },
      },
      async (request, reply) => {
        const options = { groups: request.query.projections, swap: request.query.swap === "true" };
        if (!request.headers.accept?.includes("text/event-stream"))
          return verifyReadModels({ store, databaseUrl }, options).catch((error: unknown) => {
            throw error instanceof VerificationRunning ? new HttpError(409, "verification_running", error.message) : error;
          });
        reply.hijack();
        const out = reply.raw;
        out.writeHead(200, {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache, no-transform",
          "x-accel-buffering": "no",
        });
        out.write(": verifying\n\n");
        const startedAt = Date.now();
        let lastSent = 0;
        try {
          const report = await verifyReadModels({ store, databaseUrl }, options, (progress) => {
            if (Date.now() - lastSent < PROGRESS_EVERY_MS && progress.position < progress.target) return;
            lastSent = Date.now();
            out.write(frame("progress", progressView(progress, startedAt)));
          });
          for (const difference of report.differences) out.write(frame("difference", difference));
          const { differences, ...summary } = report;
          out.write(frame("result", { ...summary, differences: differences.length }));
        } catch (error) {
          request.log.error({ err: error }, "read-model verification failed");
          out.write(frame("error", { error: (error as Error).name, message: (error as Error).message }));
        }
        out.end();
      },
    );
  };
