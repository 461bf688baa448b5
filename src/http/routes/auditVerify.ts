import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { groupNames, type GroupName } from "../../audit/readModelTables.ts";
import { verifyReadModels } from "../../audit/readModelVerification.ts";
import type { RebuildProgress } from "../../audit/shadowRebuild.ts";
import type { AppDependencies } from "../dependencies.ts";

const PROGRESS_EVERY_MS = 250;

const Body = z
  .object({
    projections: z
      .array(z.enum(groupNames as [GroupName, ...GroupName[]], { message: `must be projection groups: ${groupNames.join(", ")}` }))
      .min(1)
      .optional(),
    swap: z.boolean().default(false),
  })
  .strict()
  .default({ swap: false });

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
 * Replay and verify, behind the admin key: the rebuild's progress, each difference and the report
 * as server-sent events on the response to the POST, so the CLI's progress bar and any other client
 * read the same stream. Invalid bodies answer 400 before the stream starts.
 */
export const auditVerifyRoutes =
  ({ store, databaseUrl }: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/admin/audit/verify",
      {
        schema: {
          summary:
            "Rebuild projection groups from position 0 into a shadow schema, compare with the live read models, optionally swap (text/event-stream)",
          body: Body,
        },
      },
      async (request, reply) => {
        const { projections, swap } = request.body;
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
          const report = await verifyReadModels({ store, databaseUrl }, { groups: projections, swap }, (progress) => {
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
