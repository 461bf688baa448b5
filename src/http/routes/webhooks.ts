import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { tableGet } from "../../domain/persistentTable.ts";
import { Prediction } from "../../integrations/replicate/replicateGateway.ts";
import { verifyWebhook } from "../../integrations/replicate/webhookSignature.ts";
import type { AppDependencies } from "../dependencies.ts";
import { HttpError } from "../errorHandler.ts";
import { enabled } from "./optimization.ts";

const Query = z.object({ job: z.uuid(), item: z.uuid() });

/** Replicate's calls: no API key, a Standard Webhooks signature instead, checked over the raw body. */
export const webhookRoutes =
  (deps: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => done(null, body));

    app.post(
      "/webhooks/replicate",
      { schema: { summary: "Replicate prediction webhooks (signed)", querystring: Query, hide: true } },
      async (request, reply) => {
        const optimization = enabled(deps.optimization);
        const { webhooks } = deps.metrics;
        const body = typeof request.body === "string" ? request.body : "";
        const header = (name: string) => (typeof request.headers[name] === "string" ? (request.headers[name] as string) : undefined);
        const verdict = optimization.webhookSecret
          ? verifyWebhook(
              optimization.webhookSecret,
              { id: header("webhook-id"), timestamp: header("webhook-timestamp"), signature: header("webhook-signature") },
              body,
              deps.clock.now().getTime(),
            )
          : { ok: false as const, reason: "no REPLICATE_WEBHOOK_SECRET is configured; results are polled" };
        if (!verdict.ok) {
          webhooks.inc({ outcome: "rejected" });
          throw new HttpError(401, "invalid_signature", verdict.reason);
        }
        const prediction = Prediction.safeParse(safeJson(body));
        if (!prediction.success) {
          webhooks.inc({ outcome: "invalid" });
          throw new HttpError(400, "invalid_body", `The webhook body is not a prediction: ${prediction.error.issues[0]?.message}`);
        }
        const { job: jobId, item: itemId } = request.query;
        const job = (await optimization.jobs.load(jobId)).state;
        if (job.status === "none" || !tableGet(job.items, itemId)) {
          webhooks.inc({ outcome: "unknown" });
          throw new HttpError(404, "not_found", `No optimization item ${itemId} in job ${jobId}`);
        }
        await optimization.work.settle({ jobId, itemId }, job.merchantId, prediction.data);
        webhooks.inc({ outcome: "accepted" });
        return reply.code(204).send();
      },
    );
  };

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
