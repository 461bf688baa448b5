import { imageReviewProductImagesProjection } from "./imageReviewProductImages.ts";
import { imageReviewProductsProjection } from "./imageReviewProducts.ts";
import { imageReviewSessionsProjection } from "./imageReviewSessions.ts";
import { imageOptimizationItemsProjection } from "./imageOptimizationItems.ts";
import { imageOptimizationJobsProjection } from "./imageOptimizationJobs.ts";
import { poLineItemsProjection } from "./poLineItems.ts";
import { productDraftsProjection } from "./productDrafts.ts";
import { productImagesProjection } from "./productImages.ts";
import { purchaseOrdersProjection } from "./purchaseOrders.ts";
import { workflowStagesProjection } from "./workflowStages.ts";

/**
 * Projection groups, each run by its own projector. Within a group, projections apply in order:
 * parents before the rows that reference them. The stage log has no foreign keys and the most
 * events, so it runs apart and never holds up the drafts a merchant is waiting for.
 */
export const projectionGroups = {
  "read-models": [
    purchaseOrdersProjection,
    poLineItemsProjection,
    productDraftsProjection,
    productImagesProjection,
    imageReviewSessionsProjection,
    imageReviewProductsProjection,
    imageReviewProductImagesProjection,
  ],
  "stage-log": [workflowStagesProjection],
  // Jobs before their items (the items reference them); apart from drafts, which never wait on them.
  optimization: [imageOptimizationJobsProjection, imageOptimizationItemsProjection],
};
