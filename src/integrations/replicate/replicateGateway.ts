import Replicate from "replicate";
import { z } from "zod";
import { TransientError } from "../../errors.ts";
import type { RateLimiter } from "../../optimization/rateLimiter.ts";
import { retryAfterMs } from "../imageSearch/googleCustomSearch.ts";

export const Prediction = z.object({
  id: z.string().min(1),
  status: z.enum(["starting", "processing", "succeeded", "failed", "canceled", "aborted"]),
  output: z.unknown().optional(),
  error: z.unknown().optional(),
  webhook: z.string().nullish(),
  created_at: z.string().optional(),
});
export type Prediction = z.infer<typeof Prediction>;

/** 429: the create was refused (nothing was created); everyone waits `retryAfterMs`. */
export class ReplicateThrottled extends TransientError {}
/** 5xx, a timeout, a dropped connection: retry later; a create may or may not have happened. */
export class ReplicateUnavailable extends TransientError {}
/** Any other 4xx: refused for good (bad input, unknown model, bad token). */
export class ReplicateRejected extends Error {
  override readonly name = "ReplicateRejected";
}

export type ReplicateSettings = { token: string; baseUrl?: string; model: string; timeoutMs?: number };
export type PredictionRequest = { prompt: string; imageUrl: string; webhookUrl: string };

/** The first URL of a prediction's output (a URL, or a list of them). */
export function outputUrlOf(prediction: Prediction): string | null {
  const first = Array.isArray(prediction.output) ? prediction.output[0] : prediction.output;
  return typeof first === "string" && first.length > 0 ? first : null;
}

/**
 * Replicate through its npm client. Retrying is the scheduler's decision (it owns the rate budget
 * and the 429 backoff), so the client is given a fetch that sends each call once: a retryable
 * answer reaches the client as a non-retryable one tagged with the real status, and a failed
 * fetch is never re-sent (the client would otherwise repeat a create that may have succeeded).
 */
export class ReplicateGateway {
  private readonly client: Replicate;

  constructor(private readonly settings: ReplicateSettings) {
    this.client = new Replicate({ auth: settings.token, baseUrl: settings.baseUrl, fetch: sendOnce, userAgent: "po-pipeline" });
  }

  get model() {
    return this.settings.model;
  }

  async create(request: PredictionRequest): Promise<Prediction> {
    return this.call("create", (signal) =>
      this.client.predictions.create({
        model: this.settings.model,
        input: { prompt: request.prompt, image_input: [request.imageUrl], output_format: "png" },
        webhook: request.webhookUrl,
        webhook_events_filter: ["completed"],
        signal,
      }),
    );
  }

  /**
   * A prediction with any input, followed by polling until it ends (no webhook: the caller is a
   * background stage that waits anyway). The create and each poll take a token from the limiters
   * every Replicate caller shares; a 429 holds them all for its Retry-After. A failed or canceled
   * prediction is refused for good.
   */
  async run(input: Record<string, unknown>, limiters: Limiters, { pollMs = 500, timeoutMs = 300_000 } = {}): Promise<unknown> {
    let prediction = await limited(limiters.create, () =>
      this.call("create", (signal) => this.client.predictions.create({ model: this.settings.model, input, signal })),
    );
    const deadline = Date.now() + timeoutMs;
    while (prediction.status === "starting" || prediction.status === "processing") {
      if (Date.now() > deadline) throw new ReplicateUnavailable(`Replicate prediction ${prediction.id} did not finish in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      const id = prediction.id;
      prediction = await limited(limiters.other, () => this.get(id));
    }
    if (prediction.status !== "succeeded")
      throw new ReplicateRejected(`Replicate prediction ${prediction.status}: ${String(prediction.error ?? "")}`);
    return prediction.output;
  }

  get(predictionId: string): Promise<Prediction> {
    return this.call("get", (signal) => this.client.predictions.get(predictionId, { signal }));
  }

  cancel(predictionId: string): Promise<Prediction> {
    return this.call("cancel", (signal) => this.client.predictions.cancel(predictionId, { signal }));
  }

  /**
   * The prediction created for `tag` (carried in its webhook URL) since `since`, if any: how an
   * unanswered create is settled without creating a second prediction. Lists newest first.
   */
  async findByTag(tag: string, since: Date): Promise<Prediction | undefined> {
    const signal = AbortSignal.timeout((this.settings.timeoutMs ?? 30_000) * 4);
    try {
      for await (const page of this.client.paginate(() => this.client.predictions.list({ signal }), { signal })) {
        const predictions = z.array(Prediction).parse(page);
        const found = predictions.find((p) => p.webhook?.includes(tag));
        if (found) return found;
        const oldest = predictions.at(-1)?.created_at;
        if (!oldest || Date.parse(oldest) < since.getTime() - 60_000) return undefined;
      }
      return undefined;
    } catch (error) {
      throw typed(error, "list");
    }
  }

  private async call(what: string, run: (signal: AbortSignal) => Promise<unknown>): Promise<Prediction> {
    let answer: unknown;
    try {
      answer = await run(AbortSignal.timeout(this.settings.timeoutMs ?? 30_000));
    } catch (error) {
      throw typed(error, what);
    }
    const prediction = Prediction.safeParse(answer);
    if (!prediction.success)
      throw new ReplicateUnavailable(`Replicate ${what} sent an unexpected response: ${prediction.error.issues[0]?.message}`);
    return prediction.data;
  }
}

export type Limiters = { create: RateLimiter; other: RateLimiter };

async function limited(limiter: RateLimiter, call: () => Promise<Prediction>): Promise<Prediction> {
  for (;;) {
    const token = await limiter.tryAcquire();
    if (token.granted) break;
    await new Promise((resolve) => setTimeout(resolve, token.waitMs));
  }
  try {
    return await call();
  } catch (error) {
    if (error instanceof ReplicateThrottled) await limiter.holdFor(error.retryAfterMs ?? 10_000);
    throw error;
  }
}

const UPSTREAM_STATUS = "x-upstream-status";

/** Sends once per signal; see ReplicateGateway. */
const sent = new WeakMap<AbortSignal, Error>();
async function sendOnce(input: Request | string, init?: RequestInit): Promise<Response> {
  const signal = init?.signal ?? undefined;
  const earlier = signal ? sent.get(signal) : undefined;
  if (earlier) throw earlier;
  let response: Response;
  try {
    response = await fetch(input, init);
  } catch (error) {
    if (signal) sent.set(signal, error as Error);
    throw error;
  }
  if (response.status !== 429 && response.status < 500) return response;
  const headers = new Headers(response.headers);
  headers.set(UPSTREAM_STATUS, String(response.status));
  return new Response(await response.text(), { status: 400, statusText: "held back for the scheduler", headers });
}

function typed(error: unknown, what: string): Error {
  const response = (error as { response?: Response }).response;
  if (!(response instanceof Response)) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new ReplicateUnavailable(`Replicate ${what} did not answer (${reason})`);
  }
  const status = Number(response.headers.get(UPSTREAM_STATUS) ?? response.status);
  const detail = (error as Error).message.replace(/^Request to \S+ failed with status \d+ [^:]*: /, "").slice(0, 300);
  if (status === 429)
    return new ReplicateThrottled(`Replicate ${what} throttled (429)`, retryAfterMs(response.headers.get("retry-after")) ?? 10_000);
  if (status >= 500)
    return new ReplicateUnavailable(`Replicate ${what} answered ${status}`, retryAfterMs(response.headers.get("retry-after")));
  return new ReplicateRejected(`Replicate ${what} answered ${status}: ${detail}`);
}
