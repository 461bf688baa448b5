import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { deleteDraft, updateDraft } from "../../application/draftCommands.ts";
import { DraftChanges, type ProductDraftState } from "../../domain/productDraft.ts";
import { getDraft } from "../../queries/drafts.ts";
import { settle, type AppDependencies } from "../dependencies.ts";

const correlationOf = (state: ProductDraftState) => (state.status === "none" ? undefined : state.purchaseOrderId);

const IdParams = z.object({ id: z.uuid({ message: "must be a draft id (a UUID)" }) });

export const draftRoutes =
  (deps: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    app.get("/drafts/:id", { schema: { summary: "A product draft with its images", params: IdParams } }, (request) =>
      getDraft(deps.prisma, request.merchantId, request.params.id),
    );

    app.patch(
      "/drafts/:id",
      { schema: { summary: "Edit a draft's title, SKU, quantity or unit cost", params: IdParams, body: DraftChanges } },
      async (request) => {
        const { position, state } = await updateDraft(deps.store, request.merchantId, request.params.id, request.body);
        request.log.info({ correlationId: correlationOf(state), draftId: request.params.id }, "draft updated");
        await settle(deps, position);
        return getDraft(deps.prisma, request.merchantId, request.params.id);
      },
    );

    app.delete("/drafts/:id", { schema: { summary: "Delete a draft; no image is attached to it afterwards", params: IdParams } }, async (request, reply) => {
      const { position, state } = await deleteDraft(deps.store, request.merchantId, request.params.id);
      request.log.info({ correlationId: correlationOf(state), draftId: request.params.id }, "draft deleted");
      await settle(deps, position);
      return reply.code(204).send();
    });
  };
