import { ReviewSessionEvent, reviewSessionDecider, reviewSessionStream } from "../domain/reviewSession.ts";
import { appendsFor, loadStream } from "./commandHandler.ts";
import { commandContext, type PipelineDependencies, type PipelineHandlers, type StageDecision } from "./handlerTypes.ts";

export function reviewHandlers({ store }: PipelineDependencies): Pick<PipelineHandlers, "OpenImageReview"> {
  return {
    async OpenImageReview(command, context) {
      const { purchaseOrderId, merchantId } = command;
      const streamName = reviewSessionStream(purchaseOrderId);
      const decide = async (): Promise<StageDecision> => {
        const loaded = await loadStream(store, reviewSessionDecider, ReviewSessionEvent, streamName);
        const open = { type: "OpenReviewSession", data: { purchaseOrderId, merchantId } } as const;
        return {
          status: "completed",
          appends: appendsFor(reviewSessionDecider, streamName, open, loaded, commandContext(context, "open-review")),
          decideAgain: decide,
        };
      };
      return decide();
    },
  };
}
