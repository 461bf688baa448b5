import type { Envelope, EventOfType, EventType } from "../domain/events.ts";
import type { Projection } from "./projection.ts";
import type { BatchTable, RowBatch } from "./rowBatch.ts";

type PurchaseOrderRow = {
  id: string;
  merchantId: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  status: string;
  /** JSON, as the columns below. */
  parseErrors: string | null;
  columnMapping: string | null;
  parseWarnings: string | null;
  uploadedAt: Date;
  updatedAt: Date;
};

/** The rows of the PO list and page, batched as the rest of an upload's. */
export const purchaseOrderTable: BatchTable<PurchaseOrderRow> = {
  name: "PurchaseOrder",
  key: ["id"],
  columns: {
    id: "uuid",
    merchantId: "text",
    fileName: "text",
    contentType: "text",
    sizeBytes: "int",
    sha256: "text",
    status: "text",
    parseErrors: "jsonb",
    columnMapping: "jsonb",
    parseWarnings: "jsonb",
    uploadedAt: "timestamptz",
    updatedAt: "timestamptz",
  },
};

const json = (value: unknown) => (value === undefined || value === null ? null : JSON.stringify(value));

/** The events that only move a PO to another status. */
const statusOf = {
  DraftsCreated: "drafts_ready",
  DraftsReconciled: "drafts_ready",
  PurchaseOrderPublishRequested: "publishing",
  PurchaseOrderPublished: "published",
  PurchaseOrderCompleted: "complete",
} as const satisfies Partial<Record<EventType, string>>;

const movesTo =
  (status: string) =>
  (rows: RowBatch, { event: { data }, created }: Envelope<EventOfType<keyof typeof statusOf>>) =>
    rows.update(purchaseOrderTable, { id: data.purchaseOrderId, status, updatedAt: created });

// A PO's writes are rows: an upload's creation and parse go as one insert, its drafts' status as an update with them.
export const purchaseOrdersProjection: Projection = {
  name: "purchase-orders",
  rows: {
    PurchaseOrderUploaded: (rows, { event: { data }, created }) =>
      rows.insert(purchaseOrderTable, {
        id: data.purchaseOrderId,
        merchantId: data.merchantId,
        fileName: data.fileName,
        contentType: data.contentType,
        sizeBytes: data.sizeBytes,
        sha256: data.sha256,
        status: data.parsing === "model" ? "parsing" : "uploaded",
        uploadedAt: new Date(data.uploadedAt),
        updatedAt: created,
      }),
    PurchaseOrderParsed: (rows, { event: { data }, created }) =>
      rows.update(purchaseOrderTable, {
        id: data.purchaseOrderId,
        status: "parsed",
        columnMapping: json(data.mapping),
        parseWarnings: json(data.warnings),
        updatedAt: created,
      }),
    PurchaseOrderParseFailed: (rows, { event: { data }, created }) =>
      rows.update(purchaseOrderTable, {
        id: data.purchaseOrderId,
        status: "parse_failed",
        parseErrors: json(data.errors),
        updatedAt: created,
      }),
    ...Object.fromEntries(Object.entries(statusOf).map(([type, status]) => [type, movesTo(status)])),
  },
  reset: (tx) => tx.purchaseOrder.deleteMany(),
};
