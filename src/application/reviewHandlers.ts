import { ReviewSessionEvent, reviewSessionDecider, reviewSessionStream } from "../domain/reviewSession.ts";
import { handleCommand } from "./commandHandler.ts";
import { commandContext, type PipelineDependencies, type PipelineHandlers } from "./handlerTypes.ts";

export function reviewHandlers({ store }: PipelineDependencies): Pick<PipelineHandlers, "OpenImageReview"> {
  return {
    async OpenImageReview(command, context) {
      const { purchaseOrderId, merchantId } = command;
      await handleCommand(
        store,
        reviewSessionDecider,
        ReviewSessionEvent,
        reviewSessionStream(purchaseOrderId),
        { type: "OpenReviewSession", data: { purchaseOrderId, merchantId } },
        commandContext(context, "open-review"),
      );
      return { status: "completed" };
    },
  };
}
