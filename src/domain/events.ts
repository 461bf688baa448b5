import { z } from "zod";
import type { EventMetadata } from "./metadata.ts";
import { MerchantSettingsEvent } from "./merchantSettings.ts";
import { OptimizationEvent } from "./optimization.ts";
import { ProductDraftEvent } from "./productDraftEvents.ts";
import { PurchaseOrderEvent } from "./purchaseOrder.ts";
import { ReviewSessionEvent } from "./reviewSession.ts";
import { SupplierMappingEvent } from "./supplierMappings.ts";
import { WorkflowEvent } from "./workflow.ts";

/** Every event type the system writes, defined once; subscribers and projections key off this. */
export const DomainEvent = z.discriminatedUnion("type", [
  ...PurchaseOrderEvent.options,
  ...ProductDraftEvent.options,
  ...WorkflowEvent.options,
  ...ReviewSessionEvent.options,
  ...OptimizationEvent.options,
  ...SupplierMappingEvent.options,
  ...MerchantSettingsEvent.options,
]);
export type DomainEvent = z.infer<typeof DomainEvent>;
export type EventType = DomainEvent["type"];
export type EventOfType<T extends EventType> = Extract<DomainEvent, { type: T }>;

/** A domain event as read back from the log, validated, with where and why it was written. */
export type Envelope<E = DomainEvent> = {
  event: E;
  metadata: EventMetadata;
  id: string;
  streamName: string;
  revision: bigint;
  position: bigint;
  created: Date;
};
