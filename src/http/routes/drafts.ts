import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { deleteDraft, updateDraft } from "../../application/draftCommands.ts";
import { DraftChanges, type ProductDraftState } from "../../domain/productDraftEvents.ts";
import { getDraft } from "../../queries/drafts.ts";
import { settle, type AppDependencies } from "../dependencies.ts";
import { ifMatchHeaders, withETag } from "../ifMatch.ts";

const correlationOf = (state: ProductDraftState) => (state.status === "none" ? undefined : state.purchaseOrderId);

const IdParams = z.object({ id: z.uuid({ message: "must be a draft id (a UUID)" }) });

const IfMatchHeaders = ifMatchHeaders("draft", "3");

const withRevision = <T extends { revision: number }>(reply: FastifyReply, draft: T) => withETag(reply, draft.revision, draft);

export const draftRoutes =
  (deps: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/drafts/:id",
      { schema: { summary: "A product draft with its images; its ETag is its revision", params: IdParams } },
      async (request, reply) => withRevision(reply, await getDraft(deps.prisma, request.merchantId, request.params.id)),
    );

    app.patch(
      "/drafts/:id",
      {
        schema: {
          summary: "Edit a draft's title, SKU, quantity or unit cost; with If-Match, only if it is still at that revision (else 412)",
          params: IdParams,
          headers: IfMatchHeaders,
          body: DraftChanges,
        },
      },
      async (request, reply) => {
        const { position, state } = await updateDraft(
          deps.store,
          request.merchantId,
          request.params.id,
          request.body,
          request.headers["if-match"],
        );
        request.log.info({ correlationId: correlationOf(state), draftId: request.params.id }, "draft updated");
        await settle(deps.readModels, position);
        return withRevision(reply, await getDraft(deps.prisma, request.merchantId, request.params.id));
      },
    );

    app.delete(
      "/drafts/:id",
      {
        schema: {
          summary: "Delete a draft; no image is attached to it afterwards. With If-Match, only if it is still at that revision (else 412)",
          params: IdParams,
          headers: IfMatchHeaders,
        },
      },
      async (request, reply) => {
        const { position, state } = await deleteDraft(deps.store, request.merchantId, request.params.id, request.headers["if-match"]);
        request.log.info({ correlationId: correlationOf(state), draftId: request.params.id }, "draft deleted");
        await settle(deps.imageReadModels, position);
        return reply.code(204).send();
      },
    );
  };
