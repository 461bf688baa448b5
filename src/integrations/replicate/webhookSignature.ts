import { createHmac, timingSafeEqual } from "node:crypto";

export type WebhookHeaders = { id?: string; timestamp?: string; signature?: string };
export type Verdict = { ok: true } | { ok: false; reason: string };

/** How far a webhook's timestamp may be from now: older calls are replays. */
export const WEBHOOK_TOLERANCE_MS = 5 * 60 * 1000;

/**
 * Standard Webhooks, as Replicate signs them: HMAC-SHA256 over `id.timestamp.body` with the
 * base64 key after `whsec_`; the header holds space-separated `v1,<base64>` signatures.
 */
export function verifyWebhook(secret: string, headers: WebhookHeaders, body: string, nowMs: number): Verdict {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return { ok: false, reason: "webhook-id, webhook-timestamp and webhook-signature are required" };
  const seconds = Number(timestamp);
  if (!Number.isInteger(seconds)) return { ok: false, reason: "webhook-timestamp is not a number of seconds" };
  if (Math.abs(nowMs - seconds * 1000) > WEBHOOK_TOLERANCE_MS) return { ok: false, reason: "webhook-timestamp is too far from now" };
  const key = Buffer.from(secret.split("_").pop() ?? "", "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  const matches = signature.split(" ").some((entry) => {
    const [version, value] = entry.split(",");
    const given = Buffer.from(value ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? { ok: true } : { ok: false, reason: "webhook-signature does not match" };
}
