import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { AppDependencies } from "../dependencies.ts";
import { enabled } from "./optimization.ts";

/** Behind the admin key: the limiter's state, and Prometheus metrics (scrape with a bearer token). */
export const monitoringRoutes =
  (deps: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    app.get("/admin/rate-limiter", { schema: { summary: "Replicate's shared rate limiter: usage, queues per merchant, health" } }, () =>
      enabled(deps.optimization).monitor(),
    );

    app.get("/metrics", { schema: { summary: "Prometheus metrics", hide: true } }, async (_request, reply) => {
      const { registry } = deps.metrics;
      return reply.header("content-type", registry.contentType).send(await registry.metrics());
    });
  };
