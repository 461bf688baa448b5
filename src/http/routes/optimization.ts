import { randomUUID } from "node:crypto";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { cancelOptimizationJob, createOptimizationJob } from "../../application/optimizationJobs.ts";
import { typedText } from "../../domain/text.ts";
import type { Optimization } from "../../optimization/optimization.ts";
import { getOptimizationJob } from "../../queries/optimization.ts";
import { settle, type AppDependencies } from "../dependencies.ts";
import { HttpError } from "../errorHandler.ts";

const IdParams = z.object({ id: z.uuid({ message: "must be an optimization job id (a UUID)" }) });
const Prompt = typedText().trim().min(1).max(2000);
// One object rather than a union of two: a union's refusal says only "Invalid input", this one names the field.
const CreateJob = z
  .object({ prompt: Prompt, draftIds: z.array(z.uuid()).min(1).max(10_000).optional(), purchaseOrderId: z.uuid().optional() })
  .strict()
  .refine(
    (body) => (body.draftIds === undefined) !== (body.purchaseOrderId === undefined),
    "give either draftIds or purchaseOrderId, not both",
  );
const Page = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200), offset: z.coerce.number().int().min(0).default(0) });

export function enabled(optimization: Optimization | undefined): Optimization {
  if (!optimization)
    throw new HttpError(
      503,
      "optimization_disabled",
      "Image optimization is off on this server: set REPLICATE_API_TOKEN (and REPLICATE_WEBHOOK_SECRET, PUBLIC_URL) to turn it on",
    );
  return optimization;
}

export const optimizationRoutes =
  (deps: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    const projected = (position: bigint | undefined) => settle(deps.optimizationReadModels, position);
    app.post(
      "/optimization-jobs",
      {
        schema: {
          summary: "Optimize images through Replicate: of the drafts named, or of every live draft of a purchase order",
          body: CreateJob,
        },
      },
      async (request, reply) => {
        const optimization = enabled(deps.optimization);
        const jobId = randomUUID();
        const { prompt, purchaseOrderId, draftIds } = request.body;
        const target = purchaseOrderId !== undefined ? { purchaseOrderId } : { draftIds: draftIds! };
        const { position } = await createOptimizationJob(deps.store, optimization.jobs, {
          ...target,
          merchantId: request.merchantId,
          prompt,
          model: optimization.model,
          jobId,
          now: deps.clock.now(),
        });
        request.log.info({ jobId }, "optimization job created");
        await projected(position);
        return reply
          .code(202)
          .header("location", `/optimization-jobs/${jobId}`)
          .send(await getOptimizationJob(deps.prisma, request.merchantId, jobId, { limit: 200, offset: 0 }));
      },
    );

    app.get(
      "/optimization-jobs/:id",
      { schema: { summary: "An optimization job with its items' status", params: IdParams, querystring: Page } },
      (request) => {
        enabled(deps.optimization);
        return getOptimizationJob(deps.prisma, request.merchantId, request.params.id, request.query);
      },
    );

    app.post(
      "/optimization-jobs/:id/cancel",
      { schema: { summary: "Cancel a job: its unfinished items are cancelled", params: IdParams } },
      async (request, reply) => {
        const optimization = enabled(deps.optimization);
        const { position } = await cancelOptimizationJob(optimization.jobs, request.merchantId, request.params.id);
        await projected(position);
        return reply
          .code(202)
          .send(await getOptimizationJob(deps.prisma, request.merchantId, request.params.id, { limit: 200, offset: 0 }));
      },
    );
  };
