import { imageReviewProductImagesProjection } from "./imageReviewProductImages.ts";
import { imageReviewProductsProjection } from "./imageReviewProducts.ts";
import { imageReviewSessionsProjection } from "./imageReviewSessions.ts";
import { imageOptimizationItemsProjection } from "./imageOptimizationItems.ts";
import { imageOptimizationJobsProjection } from "./imageOptimizationJobs.ts";
import { poLineItemsProjection } from "./poLineItems.ts";
import { draftPublicationsProjection } from "./draftPublications.ts";
import { draftRevisionsProjection, productDraftsProjection } from "./productDrafts.ts";
import { productImagesProjection } from "./productImages.ts";
import { purchaseOrdersProjection } from "./purchaseOrders.ts";
import { workflowStagesProjection } from "./workflowStages.ts";

/**
 * Projection groups, each run by its own projector. Within a group, projections apply in order:
 * parents before the rows that reference them. An upload answers once its drafts are in
 * `read-models`, so the images (the most writes of the pipeline, arriving as the image work runs
 * behind later uploads) project apart, after it, and never hold a new PO's drafts back; the stage
 * log has no foreign keys and the most events, so it runs apart too.
 */
export const projectionGroups = {
  // Publication rows count the drafts' edits, so they follow DraftUpdated where the drafts' rows do.
  "read-models": [purchaseOrdersProjection, poLineItemsProjection, productDraftsProjection, draftPublicationsProjection],
  images: [
    draftRevisionsProjection,
    productImagesProjection,
    imageReviewSessionsProjection,
    imageReviewProductsProjection,
    imageReviewProductImagesProjection,
  ],
  "stage-log": [workflowStagesProjection],
  // Jobs before their items (the items reference them); apart from drafts, which never wait on them.
  optimization: [imageOptimizationJobsProjection, imageOptimizationItemsProjection],
};
