import { createHash, randomBytes } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Merchants } from "../merchants/merchants.ts";

export type ApiKey = { merchantId: string; key: string };

declare module "fastify" {
  interface FastifyRequest {
    merchantId: string;
  }
}

/** `API_KEYS="merchantId:key,merchantId:key"`: fixed keys for scripted set-ups, beside the database's. */
export function parseApiKeys(setting: string | undefined): ApiKey[] {
  const entries = (setting ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return entries.map((entry) => {
    const colon = entry.indexOf(":");
    const merchantId = entry.slice(0, colon).trim();
    const key = entry.slice(colon + 1).trim();
    if (colon <= 0 || !/^[\w.-]{1,64}$/.test(merchantId) || key.length < 8) {
      throw new Error(`API_KEYS entry "${entry.slice(0, 80)}" must look like merchantId:key (key of at least 8 characters)`);
    }
    return { merchantId, key };
  });
}

const digest = (key: string) => createHash("sha256").update(key).digest("hex");

/** ADMIN_KEY, or a fresh random one for this run. */
export const adminKeyOrGenerated = (setting: string | undefined) =>
  setting ? { key: setting, generated: false } : { key: randomBytes(24).toString("base64url"), generated: true };

/** Where a presented key may be found: the fixed keys of the settings, then the database's keys. */
export type KeyRing = { fixed: ApiKey[]; merchants?: Pick<Merchants, "authenticate"> };

/** Looks fixed keys up by digest and the database's through their id and a constant-time comparison, so timing says nothing about a guess. */
export function bearerAuthentication({ fixed, merchants }: KeyRing, who = "merchant") {
  const merchantByDigest = new Map(fixed.map((k) => [digest(k.key), k.merchantId]));
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? "";
    const presented = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const merchantId = presented ? (merchantByDigest.get(digest(presented)) ?? (await merchants?.authenticate(presented))) : undefined;
    if (!merchantId) {
      const message = presented ? `The ${who} API key is not valid` : `Send your ${who} API key as Authorization: Bearer <key>`;
      return reply.code(401).header("www-authenticate", "Bearer").send({ error: "unauthorized", message });
    }
    request.merchantId = merchantId;
  };
}
