import { z } from "zod";
import { NotFound } from "../errors.ts";
import type { Decider } from "./decider.ts";

/**
 * A PO's image review (stream `review-<poId>`). The session opens when the first draft's images
 * arrive and fills as the others do; the decisions themselves are on each draft's stream.
 * Completing it is the reviewer saying "done"; decisions taken later are still recorded, so an
 * auditor sees them after the completion.
 */

const SessionRef = { purchaseOrderId: z.uuid(), merchantId: z.string().min(1) };

/** Who completed a review, in parts (schema version 2; version 1 wrote it as one `completedBy: "merchant:<id>"`). */
export const Reviewer = z.object({ kind: z.enum(["merchant", "processor", "system"]), id: z.string().min(1) });
export type Reviewer = z.infer<typeof Reviewer>;

export const ReviewSessionOpened = z.object({ type: z.literal("ReviewSessionOpened"), data: z.object(SessionRef) });
export const ReviewCompleted = z.object({
  type: z.literal("ReviewCompleted"),
  data: z.object({ ...SessionRef, reviewer: Reviewer }),
});
export const ReviewSessionEvent = z.discriminatedUnion("type", [ReviewSessionOpened, ReviewCompleted]);
export type ReviewSessionEvent = z.infer<typeof ReviewSessionEvent>;

export const OpenReviewSession = z.object({ type: z.literal("OpenReviewSession"), data: z.object(SessionRef) });
export const CompleteReview = z.object({
  type: z.literal("CompleteReview"),
  data: z.object({ ...SessionRef, reviewer: Reviewer }),
});
export const ReviewSessionCommand = z.discriminatedUnion("type", [OpenReviewSession, CompleteReview]);
export type ReviewSessionCommand = z.infer<typeof ReviewSessionCommand>;

export type ReviewSessionState =
  | { status: "none" }
  | { status: "open"; purchaseOrderId: string; merchantId: string }
  | { status: "completed"; purchaseOrderId: string; merchantId: string; reviewer: Reviewer };

export const reviewSessionStream = (purchaseOrderId: string) => `review-${purchaseOrderId}`;

export const reviewSessionDecider: Decider<ReviewSessionCommand, ReviewSessionEvent, ReviewSessionState> = {
  initialState: { status: "none" },

  decide(command, state) {
    switch (command.type) {
      case "OpenReviewSession":
        // Every draft's arriving images ask for it; the first one opens it.
        return state.status === "none" ? [{ type: "ReviewSessionOpened", data: command.data }] : [];
      case "CompleteReview":
        if (state.status === "none" || state.merchantId !== command.data.merchantId)
          throw new NotFound("Review session", command.data.purchaseOrderId);
        return state.status === "completed" ? [] : [{ type: "ReviewCompleted", data: command.data }];
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case "ReviewSessionOpened":
        return { status: "open", ...event.data };
      case "ReviewCompleted":
        return state.status === "none" ? state : { ...state, status: "completed", reviewer: event.data.reviewer };
    }
  },
};
