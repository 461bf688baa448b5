import { poLineItemsProjection } from "./poLineItems.ts";
import { productDraftsProjection } from "./productDrafts.ts";
import { productImagesProjection } from "./productImages.ts";
import { purchaseOrdersProjection } from "./purchaseOrders.ts";
import { workflowStagesProjection } from "./workflowStages.ts";

/** Applied in this order within each transaction: parents before the rows that reference them. */
export const projections = [purchaseOrdersProjection, poLineItemsProjection, productDraftsProjection, productImagesProjection, workflowStagesProjection];
