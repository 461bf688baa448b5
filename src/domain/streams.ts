import type { DomainEvent } from "./events.ts";
import { merchantSettingsStream } from "./merchantSettings.ts";
import { optimizationStream } from "./optimization.ts";
import { productDraftStream } from "./productDraft.ts";
import { purchaseOrderStream } from "./purchaseOrder.ts";
import { supplierMappingStream } from "./supplierMappings.ts";
import { reviewSessionStream } from "./reviewSession.ts";
import { workflowStream } from "./workflow.ts";

/** The stream an event belongs to, from its own data. */
export function streamOf(event: DomainEvent): string {
  switch (event.type) {
    case "PurchaseOrderUploaded":
    case "PurchaseOrderParsed":
    case "PurchaseOrderParseFailed":
    case "DraftsCreated":
    case "ColumnMappingCorrected":
    case "DraftsReconciled":
    case "PurchaseOrderPublishRequested":
    case "DraftPublicationSettled":
    case "PurchaseOrderPublished":
    case "PurchaseOrderCompleted":
      return purchaseOrderStream(event.data.purchaseOrderId);
    case "DraftCreated":
    case "DraftUpdated":
    case "DraftDeleted":
    case "ImageSearchCompleted":
    case "ImagesAttached":
    case "ImageApproved":
    case "ImageRejected":
    case "PrimaryImageSelected":
    case "OptimizedImageAttached":
    case "DraftPublishRequested":
    case "ProductPublished":
    case "DraftPublishSkipped":
    case "DraftEnriched":
    case "ProductMatchFound":
    case "ProductMatchAccepted":
    case "ProductMatchRefused":
      return productDraftStream(event.data.draftId);
    case "StageStarted":
    case "StageCompleted":
    case "StageFailed":
    case "StageSkipped":
    case "QuarantinedEventsSkipped":
      return workflowStream(event.data.purchaseOrderId);
    case "ColumnMappingRemembered":
      return supplierMappingStream(event.data.merchantId);
    case "MerchantSettingsChanged":
      return merchantSettingsStream(event.data.merchantId);
    case "ReviewSessionOpened":
    case "ReviewCompleted":
      return reviewSessionStream(event.data.purchaseOrderId);
    case "OptimizationJobCreated":
    case "PredictionRequested":
    case "PredictionCreated":
    case "PredictionRequestFailed":
    case "PredictionSucceeded":
    case "OptimizationItemSucceeded":
    case "OptimizationItemFailed":
    case "OptimizationItemCancelled":
    case "OptimizationJobCancelled":
    case "OptimizationJobCompleted":
      return optimizationStream(event.data.jobId);
  }
}
