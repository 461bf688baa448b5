import { randomUUID } from "node:crypto";
import { ValidationError } from "../errors.ts";
import { CURRENT_SCHEMA_VERSION } from "../domain/metadata.ts";
import { purchaseOrderDecider, purchaseOrderStream, PurchaseOrderEvent } from "../domain/purchaseOrder.ts";
import { workflowStream } from "../domain/workflow.ts";
import type { EventStore } from "../eventstore/port.ts";
import type { FileStore } from "../files/fileStore.ts";
import { parsePurchaseOrder } from "../parsing/purchaseOrderParser.ts";
import { handleCommand } from "./commandHandler.ts";

export type Upload = { merchantId: string; fileName: string; contentType: string; bytes: Uint8Array };
export type UploadAccepted = { purchaseOrderId: string; position: bigint };

/**
 * The fast path: reject a file that will not parse (saying where) before anything is stored,
 * keep the original, record the upload. Parsing into line items and drafts runs in the background.
 */
export async function uploadPurchaseOrder(store: EventStore, files: FileStore, upload: Upload, now: Date): Promise<UploadAccepted> {
  const outcome = parsePurchaseOrder(upload.bytes);
  if (!outcome.ok) {
    throw new ValidationError(
      `${upload.fileName} is not a purchase order we can read`,
      outcome.errors.map((e) => ({ path: e.field ?? "file", message: e.message, line: e.line, column: e.column })),
    );
  }
  const sha256 = await files.put(upload.bytes, upload.contentType);
  const purchaseOrderId = randomUUID();
  const metadata = { merchantId: upload.merchantId, correlationId: purchaseOrderId, causationId: randomUUID(), actor: `merchant:${upload.merchantId}` };
  const { position } = await handleCommand(
    store,
    purchaseOrderDecider,
    PurchaseOrderEvent,
    purchaseOrderStream(purchaseOrderId),
    {
      type: "UploadPurchaseOrder",
      data: {
        purchaseOrderId,
        merchantId: upload.merchantId,
        fileName: upload.fileName,
        contentType: upload.contentType,
        sizeBytes: upload.bytes.byteLength,
        sha256,
        uploadedAt: now.toISOString(),
      },
    },
    metadata,
  );
  const stage = { purchaseOrderId, stage: "upload" as const, subjectId: "", at: now.toISOString() };
  const stageMetadata = { ...metadata, schemaVersion: CURRENT_SCHEMA_VERSION };
  await store.appendToStream(
    workflowStream(purchaseOrderId),
    [
      { id: randomUUID(), type: "StageStarted", data: { ...stage, attempt: 1 }, metadata: stageMetadata },
      { id: randomUUID(), type: "StageCompleted", data: { ...stage, durationMs: 0 }, metadata: stageMetadata },
    ],
    { expectedRevision: "no_stream" },
  );
  return { purchaseOrderId, position: position! };
}
