import type { LineItem } from "../domain/purchaseOrder.ts";
import type { Projection } from "./projection.ts";
import type { BatchTable } from "./rowBatch.ts";

type LineRow = Pick<LineItem, "lineNumber" | "sku" | "title" | "quantity" | "unitCost"> & {
  purchaseOrderId: string;
  merchantId: string;
  source: string | null;
  confidence: number | null;
  concerns: string | null;
};

/** The PO stream's revision of an event right after its upload (revision 0). */
const FIRST_PARSE = 1n;

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
    source: "jsonb",
    confidence: "float8",
    concerns: "jsonb",
  },
};

export const poLineItemsProjection: Projection = {
  name: "po-line-items",
  // A corrected mapping parses the file again: its line items replace the earlier parse's. The first
  // parse, the event right after the upload, has none to replace.
  writes: {
    PurchaseOrderParsed: async (tx, { event: { data }, revision }) => {
      if (revision > FIRST_PARSE) await tx.pOLineItem.deleteMany({ where: { purchaseOrderId: data.purchaseOrderId } });
    },
  },
  rows: {
    PurchaseOrderParsed: (rows, { event: { data }, metadata }) => {
      for (const { lineNumber, sku, title, quantity, unitCost, source, confidence, concerns } of data.lineItems)
        rows.insert(table, {
          purchaseOrderId: data.purchaseOrderId,
          lineNumber,
          merchantId: metadata.merchantId,
          sku,
          title,
          quantity,
          unitCost,
          source: source ? JSON.stringify(source) : null,
          confidence: confidence ?? null,
          concerns: concerns ? JSON.stringify(concerns) : null,
        });
    },
  },
  reset: (tx) => tx.pOLineItem.deleteMany(),
};
