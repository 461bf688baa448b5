import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { NotFound } from "../../errors.ts";
import {
  merchantOfDraft,
  merchantOfPurchaseOrder,
  requestDraftPublish,
  requestPurchaseOrderPublish,
  skipDraftPublish,
  decideProductMatch,
} from "../../application/publishCommands.ts";
import { HttpError } from "../errorHandler.ts";
import { settle, type AppDependencies } from "../dependencies.ts";

const PurchaseOrderParams = z.object({ id: z.uuid({ message: "must be a purchase order id (a UUID)" }) });
const DraftParams = z.object({ id: z.uuid({ message: "must be a draft id (a UUID)" }) });

const storeOfMerchant = (deps: AppDependencies, merchantId: string) => {
  if (!deps.shopifyMerchants.has(merchantId))
    throw new HttpError(
      409,
      "no_shopify_store",
      "No Shopify store is configured for this merchant: add merchantId:shop.myshopify.com:token to SHOPIFY_STORES",
    );
};

/** Publishing to the merchant's Shopify store: the work happens in the background; these ask for it. */
export const publishingRoutes =
  (deps: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    // Another merchant's PO or draft is a 404 before anything is said about this merchant's store.
    const ownPurchaseOrder = async (merchantId: string, id: string) => {
      if ((await merchantOfPurchaseOrder(deps.store, id)) !== merchantId) throw new NotFound("Purchase order", id);
      storeOfMerchant(deps, merchantId);
    };
    const ownDraft = async (merchantId: string, id: string) => {
      if ((await merchantOfDraft(deps.store, id)) !== merchantId) throw new NotFound("Draft", id);
      storeOfMerchant(deps, merchantId);
    };

    app.post(
      "/purchase-orders/:id/publish",
      {
        schema: {
          summary: "Publish every live, not skipped draft of a purchase order to the merchant's Shopify store",
          params: PurchaseOrderParams,
        },
      },
      async (request, reply) => {
        await ownPurchaseOrder(request.merchantId, request.params.id);
        const { requestId, draftIds, position } = await requestPurchaseOrderPublish(deps.store, request.merchantId, request.params.id);
        request.log.info({ correlationId: request.params.id, requestId, drafts: draftIds.length }, "publish requested");
        await settle(deps.readModels, position);
        return reply.code(202).send({ purchaseOrderId: request.params.id, requestId, drafts: draftIds.length, status: "publishing" });
      },
    );

    app.post(
      "/drafts/:id/publish",
      { schema: { summary: "Publish one draft (again, after an edit: the product is updated)", params: DraftParams } },
      async (request, reply) => {
        await ownDraft(request.merchantId, request.params.id);
        const { requestId, position } = await requestDraftPublish(deps.store, request.merchantId, request.params.id);
        await settle(deps.readModels, position);
        return reply.code(202).send({ draftId: request.params.id, requestId });
      },
    );

    app.post(
      "/drafts/:id/skip-publish",
      { schema: { summary: "Leave a draft out of publishing; its PO completes without it", params: DraftParams } },
      async (request, reply) => {
        const { position } = await skipDraftPublish(deps.store, request.merchantId, request.params.id);
        await settle(deps.readModels, position);
        return reply.code(202).send({ draftId: request.params.id, skipped: true });
      },
    );

    const matchDecisions = {
      accept: { summary: "Accept the store product a draft was matched with: a publish updates it", outcome: "accepted" },
      refuse: { summary: "Refuse the store product a draft was matched with: a publish creates a product of its own", outcome: "refused" },
    } as const;
    for (const [decision, { summary, outcome }] of Object.entries(matchDecisions) as [
      keyof typeof matchDecisions,
      (typeof matchDecisions)["accept" | "refuse"],
    ][])
      app.post(`/drafts/:id/match/${decision}`, { schema: { summary, params: DraftParams } }, async (request) => {
        const { position } = await decideProductMatch(deps.store, request.merchantId, request.params.id, decision);
        await settle(deps.readModels, position);
        return { draftId: request.params.id, match: outcome };
      });
  };

/** An operator publishing a PO for its merchant (the CLI's `publish <purchase-order-id>`). */
export const adminPublishingRoutes =
  (deps: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/admin/purchase-orders/:id/publish",
      { schema: { summary: "Publish a purchase order for its merchant, as an operator", params: PurchaseOrderParams } },
      async (request, reply) => {
        const merchantId = await merchantOfPurchaseOrder(deps.store, request.params.id);
        storeOfMerchant(deps, merchantId);
        const { requestId, draftIds } = await requestPurchaseOrderPublish(deps.store, merchantId, request.params.id, "system:admin");
        return reply
          .code(202)
          .send({ purchaseOrderId: request.params.id, merchantId, requestId, drafts: draftIds.length, status: "publishing" });
      },
    );
  };
