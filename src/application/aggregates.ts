import { merchantSettingsDecider, MerchantSettingsEvent, merchantSettingsStream } from "../domain/merchantSettings.ts";
import { productDraftDecider, productDraftStream } from "../domain/productDraft.ts";
import { ProductDraftEvent } from "../domain/productDraftEvents.ts";
import { purchaseOrderDecider, PurchaseOrderEvent, purchaseOrderStream } from "../domain/purchaseOrder.ts";
import { reviewSessionDecider, ReviewSessionEvent, reviewSessionStream } from "../domain/reviewSession.ts";
import { supplierMappingDecider, SupplierMappingEvent, supplierMappingStream } from "../domain/supplierMappings.ts";
import { commandHandler } from "./commandHandler.ts";

/** One command handler per aggregate, each built once from its decider, its events' schema and its stream. */
export const productDrafts = commandHandler({ decider: productDraftDecider, events: ProductDraftEvent, stream: productDraftStream });
export const purchaseOrders = commandHandler({ decider: purchaseOrderDecider, events: PurchaseOrderEvent, stream: purchaseOrderStream });
export const reviewSessions = commandHandler({ decider: reviewSessionDecider, events: ReviewSessionEvent, stream: reviewSessionStream });
export const supplierMappings = commandHandler({
  decider: supplierMappingDecider,
  events: SupplierMappingEvent,
  stream: supplierMappingStream,
});
export const merchantSettings = commandHandler({
  decider: merchantSettingsDecider,
  events: MerchantSettingsEvent,
  stream: merchantSettingsStream,
});
