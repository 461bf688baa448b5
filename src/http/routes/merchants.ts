import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { typedText } from "../../domain/text.ts";
import { ApiKeyId, MerchantId } from "../../merchants/merchants.ts";
import type { AppDependencies } from "../dependencies.ts";

const Merchant = z.object({ id: z.string(), name: z.string(), createdAt: z.string() });
const ApiKey = z.object({
  id: z.string(),
  merchantId: z.string(),
  prefix: z.string(),
  label: z.string().nullable(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
});

/** Merchants and their API keys, behind the admin key: the same operations as `npm run cli -- merchants|keys`. */
export const merchantRoutes =
  ({ merchants }: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/admin/merchants",
      {
        schema: {
          summary: "Create a merchant (who may then hold API keys)",
          body: z.object({ id: MerchantId, name: typedText().trim().min(1).max(200).optional() }),
          response: { 201: Merchant },
        },
      },
      async (request, reply) => reply.code(201).send(await merchants.create(request.body)),
    );

    app.get(
      "/admin/merchants",
      { schema: { summary: "Every merchant", response: { 200: z.object({ merchants: z.array(Merchant) }) } } },
      async () => ({
        merchants: await merchants.list(),
      }),
    );

    app.post(
      "/admin/merchants/:merchantId/keys",
      {
        schema: {
          summary: "Create an API key for a merchant: the answer is the only place the key is ever shown",
          params: z.object({ merchantId: MerchantId }),
          body: z.object({ label: typedText().trim().min(1).max(200).optional() }).nullish(),
          response: { 201: ApiKey.extend({ key: z.string() }) },
        },
      },
      async (request, reply) => reply.code(201).send(await merchants.createKey(request.params.merchantId, request.body?.label)),
    );

    app.get(
      "/admin/keys",
      {
        schema: {
          summary: "API keys (by id and prefix, never the key), of one merchant or all",
          querystring: z.object({ merchant: MerchantId.optional() }),
          response: { 200: z.object({ keys: z.array(ApiKey) }) },
        },
      },
      async (request) => ({ keys: await merchants.listKeys(request.query.merchant) }),
    );

    app.post(
      "/admin/keys/:keyId/revoke",
      {
        schema: {
          summary: "Revoke an API key: every process refuses it from the next request on",
          params: z.object({ keyId: ApiKeyId }),
          response: { 200: ApiKey },
        },
      },
      (request) => merchants.revokeKey(request.params.keyId),
    );
  };
