import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { approveImage, approveRemainingImages, completeReview, rejectImage, selectPrimaryImage } from "../../application/reviewCommands.ts";
import { typedText } from "../../domain/text.ts";
import { NotFound } from "../../errors.ts";
import { getReview } from "../../queries/review.ts";
import { settle, type AppDependencies } from "../dependencies.ts";

const PurchaseOrderParams = z.object({ id: z.uuid({ message: "must be a purchase order id (a UUID)" }) });
const ImageParams = z.object({
  draftId: z.uuid({ message: "must be a draft id (a UUID)" }),
  imageId: z.uuid({ message: "must be an image id (a UUID)" }),
});
const RejectBody = z
  .object({ reason: typedText().trim().max(500).optional() })
  .strict()
  .nullish();

export const reviewRoutes =
  (deps: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    /** Answers with the draft as the review screen shows it, once the decision is in the read model. */
    const reviewedDraft = async (merchantId: string, draftId: string, decided: Awaited<ReturnType<typeof approveImage>>) => {
      if (decided.state.status === "none") throw new NotFound("Draft", draftId);
      await settle(deps.imageReadModels, decided.position);
      const review = await getReview(deps.prisma, merchantId, decided.state.purchaseOrderId, { draftId });
      const product = review.products[0];
      if (!product) throw new NotFound("Draft", draftId);
      return product;
    };

    app.get(
      "/purchase-orders/:id/review",
      { schema: { summary: "The PO's image review: session, drafts, candidate images, decisions", params: PurchaseOrderParams } },
      (request) => getReview(deps.prisma, request.merchantId, request.params.id),
    );

    app.post(
      "/drafts/:draftId/images/:imageId/approve",
      { schema: { summary: "Approve a candidate image", params: ImageParams } },
      async (request) => {
        const decided = await approveImage(deps.store, { merchantId: request.merchantId, ...request.params });
        return reviewedDraft(request.merchantId, request.params.draftId, decided);
      },
    );

    app.post(
      "/drafts/:draftId/images/:imageId/reject",
      { schema: { summary: "Reject a candidate image", params: ImageParams, body: RejectBody } },
      async (request) => {
        const decided = await rejectImage(deps.store, { merchantId: request.merchantId, ...request.params, reason: request.body?.reason });
        return reviewedDraft(request.merchantId, request.params.draftId, decided);
      },
    );

    app.post(
      "/drafts/:draftId/images/:imageId/primary",
      { schema: { summary: "Make an image the draft's primary image (approving it)", params: ImageParams } },
      async (request) => {
        const decided = await selectPrimaryImage(deps.store, { merchantId: request.merchantId, ...request.params });
        return reviewedDraft(request.merchantId, request.params.draftId, decided);
      },
    );

    app.post(
      "/purchase-orders/:id/review/approve-remaining",
      { schema: { summary: "Approve every image nobody has decided on yet", params: PurchaseOrderParams } },
      async (request) => {
        const { approved, position } = await approveRemainingImages(deps.store, request.merchantId, request.params.id);
        await settle(deps.imageReadModels, position);
        return { approved, review: await getReview(deps.prisma, request.merchantId, request.params.id) };
      },
    );

    app.post(
      "/purchase-orders/:id/review/complete",
      { schema: { summary: "Complete the review", params: PurchaseOrderParams } },
      async (request) => {
        const { position } = await completeReview(deps.store, request.merchantId, request.params.id);
        await settle(deps.imageReadModels, position);
        return getReview(deps.prisma, request.merchantId, request.params.id);
      },
    );
  };
