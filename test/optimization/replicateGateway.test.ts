import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  outputUrlOf,
  ReplicateGateway,
  ReplicateRejected,
  ReplicateThrottled,
  ReplicateUnavailable,
} from "../../src/integrations/replicate/replicateGateway.ts";
import { verifyWebhook } from "../../src/integrations/replicate/webhookSignature.ts";
import { signWebhook, startFakeReplicate, type FakeReplicate } from "../../src/testing/fakeReplicate.ts";

const secret = `whsec_${Buffer.from("a test signing key of 32 bytes!!").toString("base64")}`;

describe("Replicate through the replicate npm client, against a local server speaking its API", () => {
  let replicate: FakeReplicate;
  let gateway: ReplicateGateway;
  let received: { headers: Record<string, string | undefined>; body: string }[];
  let hooks: import("node:http").Server;
  let hookUrl: string;
  beforeAll(async () => {
    replicate = await startFakeReplicate({
      token: "r8_test",
      webhookSecret: secret,
      failure: (input) => (String(input.prompt).includes("fail") ? "E001: model failure" : undefined),
    });
    gateway = new ReplicateGateway({ token: "r8_test", baseUrl: replicate.baseUrl, model: "google/nano-banana", timeoutMs: 2_000 });
    const { createServer } = await import("node:http");
    hooks = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const h = request.headers as Record<string, string | undefined>;
      received.push({
        headers: { id: h["webhook-id"], timestamp: h["webhook-timestamp"], signature: h["webhook-signature"] },
        body: Buffer.concat(chunks).toString(),
      });
      response.end();
    });
    await new Promise<void>((resolve) => hooks.listen(0, "127.0.0.1", resolve));
    hookUrl = `http://127.0.0.1:${(hooks.address() as { port: number }).port}/hook`;
  });
  beforeEach(() => {
    received = [];
    replicate.script.length = 0;
  });
  afterAll(async () => {
    await replicate.close();
    await new Promise((resolve) => hooks.close(resolve));
  });

  const until = async (done: () => boolean) => {
    for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it("creates a prediction for the model, gets it, and is told the result by a signed webhook", async () => {
    const created = await gateway.create({
      prompt: "remove the background",
      imageUrl: "https://img.test/1.jpg",
      webhookUrl: `${hookUrl}?item=i-1`,
    });
    expect(created.status).toBe("starting");
    expect(replicate.predictions.get(created.id)).toMatchObject({
      model: "google/nano-banana",
      input: { prompt: "remove the background", image_input: ["https://img.test/1.jpg"] },
    });
    await until(() => received.length > 0);
    const [hook] = received;
    expect(verifyWebhook(secret, hook!.headers, hook!.body, Date.now())).toEqual({ ok: true });
    const got = await gateway.get(created.id);
    expect(got.status).toBe("succeeded");
    expect(outputUrlOf(got)).toBe(`https://replicate.delivery/fake/${created.id}.png`);
  });

  it("rejects webhooks that are unsigned, tampered with or stale", () => {
    const body = JSON.stringify({ id: "p1", status: "succeeded" });
    const now = Date.now();
    const timestamp = Math.floor(now / 1000);
    const signature = signWebhook(secret, "msg_1", timestamp, body);
    expect(verifyWebhook(secret, { id: "msg_1", timestamp: String(timestamp), signature }, body, now)).toEqual({ ok: true });
    expect(verifyWebhook(secret, { id: "msg_1", timestamp: String(timestamp) }, body, now).ok).toBe(false);
    expect(
      verifyWebhook(secret, { id: "msg_1", timestamp: String(timestamp), signature }, body.replace("succeeded", "failed"), now).ok,
    ).toBe(false);
    expect(verifyWebhook(secret, { id: "msg_1", timestamp: String(timestamp), signature }, body, now + 6 * 60_000)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/too far/),
    });
  });

  it("sends a throttled create once, and reports Retry-After for the scheduler to honour", async () => {
    const before = replicate.counts.creates;
    replicate.script.push({ method: "POST", status: 429, headers: { "retry-after": "7" } });
    const error = await gateway.create({ prompt: "x", imageUrl: "https://img.test/1.jpg", webhookUrl: hookUrl }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateThrottled);
    expect((error as ReplicateThrottled).retryAfterMs).toBe(7_000);
    expect(replicate.script).toHaveLength(0);
    expect(replicate.counts.creates).toBe(before);
  });

  it("finds a prediction whose create went unanswered by the tag in its webhook URL, instead of creating it again", async () => {
    const since = new Date();
    replicate.script.push({ method: "POST", status: 502, afterCreate: true });
    const error = await gateway
      .create({ prompt: "x", imageUrl: "https://img.test/1.jpg", webhookUrl: `${hookUrl}?item=item-42` })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ReplicateUnavailable);
    const found = await gateway.findByTag("item=item-42", since);
    expect(found?.id).toBe(replicate.createdFor("item-42")[0]!.id);
    expect(await gateway.findByTag("item=item-43", since)).toBeUndefined();
  });

  it("treats a timeout as unanswered, and another 4xx as a refusal", async () => {
    replicate.script.push({ method: "POST", status: 201, delayMs: 3_000 });
    await expect(gateway.create({ prompt: "x", imageUrl: "u", webhookUrl: hookUrl })).rejects.toBeInstanceOf(ReplicateUnavailable);
    replicate.script.push({ method: "POST", status: 422, body: { detail: "image_input: invalid" } });
    await expect(gateway.create({ prompt: "x", imageUrl: "u", webhookUrl: hookUrl })).rejects.toThrow(ReplicateRejected);
  });

  it("cancels a prediction, and reports a failed one with its error", async () => {
    const failing = await gateway.create({ prompt: "please fail", imageUrl: "u", webhookUrl: hookUrl });
    await until(() => received.length > 0);
    expect(await gateway.get(failing.id)).toMatchObject({ status: "failed", error: "E001: model failure" });
    const slow = await startFakeReplicate({ token: "r8_test", webhookSecret: secret, predictionMs: () => 60_000 });
    try {
      const other = new ReplicateGateway({ token: "r8_test", baseUrl: slow.baseUrl, model: "google/nano-banana" });
      const created = await other.create({ prompt: "x", imageUrl: "u", webhookUrl: hookUrl });
      expect((await other.cancel(created.id)).status).toBe("canceled");
    } finally {
      await slow.close();
    }
  });
});
