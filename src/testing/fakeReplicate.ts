import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

/**
 * A local server speaking Replicate's predictions API (create by model, get, cancel, list) for
 * tests and the bench, driven by the real `replicate` client. It enforces a creation limit per
 * sliding minute with 429 + Retry-After, takes a configurable time per prediction, fails the ones
 * asked to fail, and reports results by Standard Webhooks-signed calls to the prediction's webhook.
 */
export type FakeReplicateSettings = {
  token: string;
  /** `whsec_<base64 key>`, as Replicate hands it out. */
  webhookSecret: string;
  maxCreatesPerMinute?: number;
  predictionMs?: (input: Record<string, unknown>) => number;
  /** An error message fails the prediction. */
  failure?: (input: Record<string, unknown>) => string | undefined;
  /** What a succeeded prediction outputs (a language model's text, say); an image URL unless given. */
  output?: (input: Record<string, unknown>, prediction: FakePrediction) => unknown;
  /** false drops the prediction's webhook (to exercise polling). */
  deliverWebhook?: (prediction: FakePrediction) => boolean;
};

export type FakePrediction = {
  id: string;
  model: string;
  input: Record<string, unknown>;
  status: "starting" | "processing" | "succeeded" | "failed" | "canceled";
  output: unknown;
  error: string | null;
  created_at: string;
  completed_at: string | null;
  webhook: string | null;
  webhook_events_filter: string[];
  urls: { get: string; cancel: string };
};

/** A response served instead of the real one, for the next matching request. */
export type Scripted = {
  method: "POST" | "GET";
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  afterCreate?: boolean;
  delayMs?: number;
};

export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.split("_").pop()!, "base64");
  return `v1,${createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64")}`;
}

export async function startFakeReplicate(settings: FakeReplicateSettings) {
  const predictions = new Map<string, FakePrediction>();
  const createTimes: number[] = [];
  const script: Scripted[] = [];
  const counts = { creates: 0, throttled: 0, gets: 0, cancels: 0, lists: 0, webhooksSent: 0 };
  const onCreate: ((prediction: FakePrediction) => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let baseUrl = "";

  const send = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    response.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  };

  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
  };

  async function deliver(prediction: FakePrediction) {
    if (!prediction.webhook || !prediction.webhook_events_filter.includes("completed")) return;
    if (settings.deliverWebhook && !settings.deliverWebhook(prediction)) return;
    const body = JSON.stringify(prediction);
    const id = `msg_${randomBytes(12).toString("hex")}`;
    const timestamp = Math.floor(Date.now() / 1000);
    counts.webhooksSent++;
    await fetch(prediction.webhook, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signWebhook(settings.webhookSecret, id, timestamp, body),
      },
      body,
    }).catch(() => undefined);
  }

  function finish(prediction: FakePrediction) {
    if (prediction.status !== "starting" && prediction.status !== "processing") return;
    const error = settings.failure?.(prediction.input);
    Object.assign(
      prediction,
      error
        ? { status: "failed", error }
        : {
            status: "succeeded",
            output: settings.output?.(prediction.input, prediction) ?? `https://replicate.delivery/fake/${prediction.id}.png`,
          },
      { completed_at: new Date().toISOString() },
    );
    void deliver(prediction);
  }

  function create(request: IncomingMessage, response: ServerResponse, model: string, body: Record<string, unknown>) {
    const now = Date.now();
    while (createTimes.length > 0 && createTimes[0]! <= now - 60_000) createTimes.shift();
    if (settings.maxCreatesPerMinute !== undefined && createTimes.length >= settings.maxCreatesPerMinute) {
      counts.throttled++;
      const retryAfter = Math.max(1, Math.ceil((createTimes[0]! + 60_000 - now) / 1000));
      return send(
        response,
        429,
        { title: "Request was throttled", detail: `Expected available in ${retryAfter} seconds.`, status: 429 },
        { "retry-after": String(retryAfter) },
      );
    }
    createTimes.push(now);
    counts.creates++;
    const id = randomBytes(13)
      .toString("base64url")
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "0");
    const input = (body.input ?? {}) as Record<string, unknown>;
    const prediction: FakePrediction = {
      id,
      model,
      input,
      status: "starting",
      output: null,
      error: null,
      created_at: new Date(now).toISOString(),
      completed_at: null,
      webhook: typeof body.webhook === "string" ? body.webhook : null,
      webhook_events_filter: Array.isArray(body.webhook_events_filter)
        ? (body.webhook_events_filter as string[])
        : ["start", "output", "logs", "completed"],
      urls: { get: `${baseUrl}/v1/predictions/${id}`, cancel: `${baseUrl}/v1/predictions/${id}/cancel` },
    };
    predictions.set(id, prediction);
    for (const listener of onCreate) listener(prediction);
    later(settings.predictionMs?.(input) ?? 50, () => finish(prediction));
    send(response, 201, prediction);
  }

  async function route(request: IncomingMessage, response: ServerResponse) {
    if (request.headers.authorization !== `Bearer ${settings.token}`)
      return send(response, 401, { title: "Unauthenticated", detail: "You did not pass a valid authentication token", status: 401 });
    const url = new URL(request.url ?? "/", baseUrl);
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>) : {};
    const scripted = script.findIndex((s) => s.method === request.method);
    if (scripted !== -1) {
      const [answer] = script.splice(scripted, 1);
      if (answer!.delayMs) await new Promise((resolve) => setTimeout(resolve, answer!.delayMs));
      // A create that happened but whose answer is lost: the worst case for idempotency.
      if (answer!.afterCreate)
        create(request, { writeHead: () => ({ end: () => undefined }) } as unknown as ServerResponse, modelOf(url.pathname) ?? "?", body);
      return send(response, answer!.status, answer!.body ?? { detail: "scripted failure" }, answer!.headers);
    }
    const model = modelOf(url.pathname);
    if (request.method === "POST" && model) return create(request, response, model, body);
    const match = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(url.pathname);
    const prediction = match ? predictions.get(match[1]!) : undefined;
    if (request.method === "GET" && url.pathname === "/v1/predictions") {
      counts.lists++;
      const all = [...predictions.values()].reverse();
      const from = Number(url.searchParams.get("cursor") ?? 0);
      const next = from + 100 < all.length ? `${baseUrl}/v1/predictions?cursor=${from + 100}` : null;
      return send(response, 200, { previous: null, next, results: all.slice(from, from + 100) });
    }
    if (!prediction) return send(response, 404, { title: "Not found", detail: "The requested resource could not be found.", status: 404 });
    if (request.method === "GET" && !match![2]) {
      counts.gets++;
      return send(response, 200, prediction);
    }
    if (request.method === "POST" && match![2]) {
      counts.cancels++;
      if (prediction.status === "starting" || prediction.status === "processing")
        Object.assign(prediction, { status: "canceled", completed_at: new Date().toISOString() });
      return send(response, 200, prediction);
    }
    send(response, 405, { detail: "method not allowed" });
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => send(response, 500, { detail: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  return {
    baseUrl: `${baseUrl}/v1`,
    predictions,
    counts,
    script,
    onCreate,
    /** Predictions created for an item, by the tag in their webhook URL. */
    createdFor: (itemId: string) => [...predictions.values()].filter((p) => p.webhook?.includes(itemId)),
    async close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
export type FakeReplicate = Awaited<ReturnType<typeof startFakeReplicate>>;

function modelOf(pathname: string): string | undefined {
  const match = /^\/v1\/models\/([^/]+)\/([^/]+)\/predictions$/.exec(pathname);
  return match ? `${match[1]}/${match[2]}` : undefined;
}
