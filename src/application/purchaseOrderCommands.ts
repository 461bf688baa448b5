import { randomUUID } from "node:crypto";
import { ValidationError } from "../errors.ts";
import { purchaseOrderDecider, purchaseOrderStream } from "../domain/purchaseOrder.ts";
import { workflowStream, type WorkflowEvent } from "../domain/workflow.ts";
import type { AppendResult, EventStore } from "../eventstore/port.ts";
import type { FileStore } from "../files/fileStore.ts";
import { parsePurchaseOrder } from "../parsing/purchaseOrderParser.ts";
import { eventsToAppend } from "./commandHandler.ts";

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
  const context = { merchantId: upload.merchantId, correlationId: purchaseOrderId, causationId: randomUUID(), actor: `merchant:${upload.merchantId}` };
  const uploaded = purchaseOrderDecider.decide(
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
    purchaseOrderDecider.initialState,
  );
  const stage = { purchaseOrderId, stage: "upload" as const, subjectId: "", at: now.toISOString() };
  const stageLog: WorkflowEvent[] = [
    { type: "StageStarted", data: { ...stage, attempt: 1 } },
    { type: "StageCompleted", data: { ...stage, durationMs: 0 } },
  ];
  // The upload and its stage-log entry in one append, the upload last: where the append is not
  // atomic (EventStoreDB), no processor sees the upload before its stage log has its first entry.
  const [, { position }] = (await store.appendToStreams([
    { streamName: workflowStream(purchaseOrderId), events: eventsToAppend(stageLog, context), expectedRevision: "no_stream" },
    { streamName: purchaseOrderStream(purchaseOrderId), events: eventsToAppend(uploaded, context), expectedRevision: "no_stream" },
  ])) as [AppendResult, AppendResult];
  return { purchaseOrderId, position };
}
