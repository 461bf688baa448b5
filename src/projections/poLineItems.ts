import type { Projection } from "./projection.ts";

export const poLineItemsProjection: Projection = {
  name: "po-line-items",
  handlers: {
    PurchaseOrderParsed: (tx, { event: { data }, metadata }) =>
      tx.pOLineItem.createMany({
        data: data.lineItems.map((line) => ({
          purchaseOrderId: data.purchaseOrderId,
          merchantId: metadata.merchantId,
          lineNumber: line.lineNumber,
          sku: line.sku,
          title: line.title,
          quantity: line.quantity,
          unitCost: line.unitCost,
        })),
      }),
  },
  reset: (tx) => tx.pOLineItem.deleteMany(),
};
