import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HttpError } from "./errorHandler.ts";

/**
 * How much one caller may ask of one process. Counted in each process's memory: behind a load
 * balancer over N api processes a merchant gets up to N times these.
 */
export type RequestLimits = {
  /** Requests a minute per merchant key, over every merchant route. */
  merchantPerMinute: number;
  /** Uploads one merchant may have in flight at once. */
  concurrentUploads: number;
  /** Requests a minute with the admin key: apart from any merchant's, so operators get in while merchants are throttled. */
  adminPerMinute: number;
  /** Webhook calls a minute per calling address: they carry no key. */
  webhookPerMinute: number;
};

export const defaultRequestLimits: RequestLimits = {
  merchantPerMinute: 6000,
  concurrentUploads: 4,
  adminPerMinute: 600,
  webhookPerMinute: 3000,
};

const MINUTE_MS = 60_000;

/** Registers the rate limiter; its hooks are added per scope, after that scope's authentication, by `limitRequests`. */
export async function registerRateLimiter(app: FastifyInstance): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, "rate_limited", `Too many requests: at most ${context.max} a minute; retry in ${context.after}`),
  });
}

/** An onRequest hook counting `perMinute` requests a minute per key (a number, or one per caller); a request over it gets 429 with Retry-After. */
export function limitRequests(
  app: FastifyInstance,
  perMinute: number | ((request: FastifyRequest) => number),
  keyOf: (request: FastifyRequest) => string,
) {
  return app.rateLimit({
    max: typeof perMinute === "number" ? perMinute : (request) => perMinute(request),
    timeWindow: MINUTE_MS,
    keyGenerator: keyOf,
  });
}

/** At most `limit` uploads of one merchant in flight in this process; the next gets 429 until one finishes. */
export function concurrentUploadLimit(limit: number) {
  const inFlight = new Map<string, number>();
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const merchantId = request.merchantId;
    const running = inFlight.get(merchantId) ?? 0;
    if (running >= limit) {
      reply.header("retry-after", "1");
      throw new HttpError(429, "too_many_uploads", `At most ${limit} uploads at once per merchant; retry when one has been answered`);
    }
    inFlight.set(merchantId, running + 1);
    // "close" comes once the answer is sent or the connection is gone, so an aborted upload frees its slot too.
    reply.raw.once("close", () => {
      const left = (inFlight.get(merchantId) ?? 1) - 1;
      if (left > 0) inFlight.set(merchantId, left);
      else inFlight.delete(merchantId);
    });
  };
}
