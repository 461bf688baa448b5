import type { Projection } from "./projection.ts";

export const imageReviewSessionsProjection: Projection = {
  name: "image-review-sessions",
  writes: {
    ReviewSessionOpened: (tx, { event: { data }, created }) =>
      tx.imageReviewSession.create({
        data: { purchaseOrderId: data.purchaseOrderId, merchantId: data.merchantId, status: "open", openedAt: created },
      }),
    ReviewCompleted: (tx, { event: { data }, created }) =>
      tx.imageReviewSession.update({
        where: { purchaseOrderId: data.purchaseOrderId },
        data: { status: "completed", completedAt: created, completedBy: `${data.reviewer.kind}:${data.reviewer.id}` },
      }),
  },
  reset: (tx) => tx.imageReviewSession.deleteMany(),
};
