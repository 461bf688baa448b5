import type { LineItem } from "../domain/purchaseOrder.ts";
import type { Projection } from "./projection.ts";
import type { BatchTable } from "./rowBatch.ts";

type LineRow = Pick<LineItem, "lineNumber" | "sku" | "title" | "quantity" | "unitCost"> & { purchaseOrderId: string; merchantId: string };

const table: BatchTable<LineRow> = {
  name: "POLineItem",
  key: ["purchaseOrderId", "lineNumber"],
  columns: {
    purchaseOrderId: "uuid",
    lineNumber: "int",
    merchantId: "text",
    sku: "text",
    title: "text",
    quantity: "numeric",
    unitCost: "numeric",
  },
};

export const poLineItemsProjection: Projection = {
  name: "po-line-items",
  rows: {
    PurchaseOrderParsed: (rows, { event: { data }, metadata }) => {
      for (const { lineNumber, sku, title, quantity, unitCost } of data.lineItems)
        rows.insert(table, {
          purchaseOrderId: data.purchaseOrderId,
          lineNumber,
          merchantId: metadata.merchantId,
          sku,
          title,
          quantity,
          unitCost,
        });
    },
  },
  reset: (tx) => tx.pOLineItem.deleteMany(),
};
