import type { LineItem } from "../domain/purchaseOrder.ts";
import { bulkInsert, type BulkColumn } from "./bulkInsert.ts";
import type { Projection } from "./projection.ts";

type LineRow = LineItem & { purchaseOrderId: string; merchantId: string };

const columns: BulkColumn<LineRow>[] = [
  { name: "purchaseOrderId", type: "uuid", value: (r) => r.purchaseOrderId },
  { name: "lineNumber", type: "int", value: (r) => r.lineNumber },
  { name: "merchantId", type: "text", value: (r) => r.merchantId },
  { name: "sku", type: "text", value: (r) => r.sku },
  { name: "title", type: "text", value: (r) => r.title },
  { name: "quantity", type: "numeric", value: (r) => r.quantity },
  { name: "unitCost", type: "numeric", value: (r) => r.unitCost },
  { name: "source", type: "jsonb", value: (r) => (r.source ? JSON.stringify(r.source) : null) },
  { name: "confidence", type: "float8", value: (r) => r.confidence ?? null },
  { name: "concerns", type: "jsonb", value: (r) => (r.concerns ? JSON.stringify(r.concerns) : null) },
];

export const poLineItemsProjection: Projection = {
  name: "po-line-items",
  handlers: {
    // A corrected mapping parses the file again: its line items replace the earlier parse's.
    PurchaseOrderParsed: async (tx, { event: { data }, metadata }) => {
      await tx.pOLineItem.deleteMany({ where: { purchaseOrderId: data.purchaseOrderId } });
      await bulkInsert(
        tx,
        "POLineItem",
        columns,
        data.lineItems.map((line) => ({ ...line, purchaseOrderId: data.purchaseOrderId, merchantId: metadata.merchantId })),
      );
    },
  },
  reset: (tx) => tx.pOLineItem.deleteMany(),
};
