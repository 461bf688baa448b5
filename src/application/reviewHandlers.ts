import { reviewSessions } from "./aggregates.ts";
import { commandContext, type PipelineDependencies, type PipelineHandlers, type StageDecision } from "./handlerTypes.ts";

export function reviewHandlers({ store }: PipelineDependencies): Pick<PipelineHandlers, "OpenImageReview"> {
  return {
    async OpenImageReview(command, context) {
      const { purchaseOrderId, merchantId } = command;
      const decide = async (): Promise<StageDecision> => {
        const loaded = await reviewSessions.load(store, purchaseOrderId);
        const open = { type: "OpenReviewSession", data: { purchaseOrderId, merchantId } } as const;
        return {
          status: "completed",
          appends: reviewSessions.appendsFor(purchaseOrderId, open, loaded, commandContext(context, "open-review")),
          decideAgain: decide,
        };
      };
      return decide();
    },
  };
}
