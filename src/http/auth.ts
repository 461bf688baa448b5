import { createHash, randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";

export type ApiKey = { merchantId: string; key: string };

declare module "fastify" {
  interface FastifyRequest {
    merchantId: string;
  }
}

/** `API_KEYS="merchantId:key,merchantId:key"`; without any, a demo merchant with a fresh random key. */
export function parseApiKeys(setting: string | undefined): { keys: ApiKey[]; generated: boolean } {
  const entries = (setting ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) return { keys: [{ merchantId: "demo", key: randomBytes(24).toString("base64url") }], generated: true };
  const keys = entries.map((entry) => {
    const colon = entry.indexOf(":");
    const merchantId = entry.slice(0, colon).trim();
    const key = entry.slice(colon + 1).trim();
    if (colon <= 0 || !/^[\w.-]{1,64}$/.test(merchantId) || key.length < 8) {
      throw new Error(`API_KEYS entry "${entry.slice(0, 80)}" must look like merchantId:key (key of at least 8 characters)`);
    }
    return { merchantId, key };
  });
  return { keys, generated: false };
}

const digest = (key: string) => createHash("sha256").update(key).digest("hex");

/** ADMIN_KEY, or a fresh random one for this run. */
export const adminKeyOrGenerated = (setting: string | undefined) =>
  setting ? { key: setting, generated: false } : { key: randomBytes(24).toString("base64url"), generated: true };

/** Looks keys up by digest, so the lookup time says nothing about how close a guess was. */
export function bearerAuthentication(keys: ApiKey[], who = "merchant") {
  const merchantByDigest = new Map(keys.map((k) => [digest(k.key), k.merchantId]));
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const merchantId = match ? merchantByDigest.get(digest(match[1]!)) : undefined;
    if (!merchantId) {
      const message = match ? `The ${who} API key is not valid` : `Send your ${who} API key as Authorization: Bearer <key>`;
      return reply.code(401).header("www-authenticate", "Bearer").send({ error: "unauthorized", message });
    }
    request.merchantId = merchantId;
  };
}
