import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.ts";
import { ValidationError } from "../errors.ts";
import { fold } from "../domain/decider.ts";
import { productDraftDecider, productDraftStream } from "../domain/productDraft.ts";
import { purchaseOrderDecider, purchaseOrderStream, type PurchaseOrderEvent } from "../domain/purchaseOrder.ts";
import { workflowStream } from "../domain/workflow.ts";
import type { EventStore, StreamAppend } from "../eventstore/port.ts";
import type { FileStore } from "../files/fileStore.ts";
import { parseDocument } from "../parsing/document.ts";
import type { TableOutcome } from "../parsing/lineItems.ts";
import { detectFileKind } from "../parsing/purchaseOrderParser.ts";
import { merchantSettings, supplierMappings } from "./aggregates.ts";
import { prepareDrafts } from "./draftPreparation.ts";
import { eventsToAppend } from "./commandHandler.ts";
import { derivedId } from "./eventIds.ts";
import { stageRun } from "./stageLog.ts";

export type Upload = { merchantId: string; fileName: string; contentType: string; bytes: Uint8Array };
export type UploadAccepted = { purchaseOrderId: string; position: bigint; parsing: "done" | "model" };

export const draftIdFor = (purchaseOrderId: string, lineNumber: number) => derivedId("draft", purchaseOrderId, String(lineNumber));

const FREE_TEXT = /\.(txt|eml)$/i;
const TURN_ON = "it needs the AI parser: set REPLICATE_API_TOKEN and REPLICATE_PARSER_MODEL on the server to turn it on";

/**
 * The fast path: reject a file that will not parse (saying where) before anything is stored, keep
 * the original, then record the upload, its parse and one draft per line in one atomic append, so
 * a PO is never seen uploaded but not parsed, nor parsed without its drafts. A scan, an image or
 * free text goes to the model in the background instead, when the server has one.
 */
export async function uploadPurchaseOrder(
  store: EventStore,
  files: FileStore,
  upload: Upload,
  clock: Clock,
  { modelParsing }: { modelParsing: boolean } = { modelParsing: false },
): Promise<UploadAccepted> {
  const receivedAt = clock.now();
  // Columns the merchant corrected for an earlier file with the same header row are read the same way.
  // Read together, so the settings cost the upload no extra round trip.
  const [mappings, settings] = await Promise.all([
    supplierMappings.load(store, upload.merchantId),
    merchantSettings.load(store, upload.merchantId),
  ]);
  const remembered = mappings.state.bySignature;
  const kind = fileKindOf(upload.fileName, upload.contentType);
  const parsedOrNot = await parseDocument(upload.bytes, kind, { remembered });
  if (!parsedOrNot.ok && needsModel(parsedOrNot, kind, upload)) {
    if (!modelParsing)
      throw new ValidationError(`${upload.fileName}: ${parsedOrNot.errors[0]!.message}; ${TURN_ON}`, [{ path: "file", message: TURN_ON }]);
    return acceptForModel(store, files, upload, receivedAt);
  }
  const outcome = readableOrRefused(upload.fileName, parsedOrNot);
  const parsedAt = clock.now();
  const sha256 = await files.put(upload.bytes, upload.contentType);
  const storedAt = clock.now();

  const purchaseOrderId = randomUUID();
  const { decide, initialState } = purchaseOrderDecider;
  const uploaded = decide(
    {
      type: "UploadPurchaseOrder",
      data: {
        purchaseOrderId,
        merchantId: upload.merchantId,
        fileName: upload.fileName,
        contentType: upload.contentType,
        sizeBytes: upload.bytes.byteLength,
        sha256,
        uploadedAt: receivedAt.toISOString(),
      },
    },
    initialState,
  );
  const parsed = decide(
    {
      type: "RecordParseOutcome",
      data: { ok: true, lineItems: outcome.lineItems, mapping: outcome.mapping, warnings: outcome.warnings, report: outcome.report },
    },
    fold(purchaseOrderDecider, uploaded),
  );
  const { drafts, stageLog: preparation } = prepareDrafts(purchaseOrderId, outcome.lineItems, settings.state.settings, clock, (line) =>
    draftIdFor(purchaseOrderId, line.lineNumber),
  );
  const announced = decide({ type: "CreateDrafts", data: { drafts } }, fold(purchaseOrderDecider, [...uploaded, ...parsed]));
  const purchaseOrderEvents: PurchaseOrderEvent[] = [...uploaded, ...parsed, ...announced];
  const draftEvents = drafts.map((draft) => ({
    draftId: draft.draftId,
    events: productDraftDecider.decide(
      { type: "CreateDraft", data: { ...draft, purchaseOrderId, merchantId: upload.merchantId } },
      productDraftDecider.initialState,
    ),
  }));
  const decidedAt = clock.now();

  // The file is read before it is kept: one that does not parse is refused and nothing is stored.
  const stageLog = [
    ...stageRun(purchaseOrderId, "upload", parsedAt, storedAt),
    ...stageRun(purchaseOrderId, "parse", receivedAt, parsedAt, { parseReport: outcome.report }),
    ...preparation,
    ...stageRun(purchaseOrderId, "create_drafts", storedAt, decidedAt),
  ];

  const context = {
    merchantId: upload.merchantId,
    correlationId: purchaseOrderId,
    causationId: randomUUID(),
    actor: `merchant:${upload.merchantId}`,
  };
  const draftAppends: StreamAppend[] = draftEvents.map(({ draftId, events }) => ({
    streamName: productDraftStream(draftId),
    expectedRevision: "no_stream",
    events: eventsToAppend(events, context),
  }));
  // Where the append is not atomic (EventStoreDB) it goes stream by stream, in this order: the PO's
  // stream last, so a processor that reacts to DraftsCreated finds every draft and the stage log there.
  const results = await store.appendToStreams([
    { streamName: workflowStream(purchaseOrderId), expectedRevision: "no_stream", events: eventsToAppend(stageLog, context) },
    ...draftAppends,
    {
      streamName: purchaseOrderStream(purchaseOrderId),
      expectedRevision: "no_stream",
      events: eventsToAppend(purchaseOrderEvents, context),
    },
  ]);
  return { purchaseOrderId, position: results.at(-1)!.position, parsing: "done" };
}

/** A scan, an image, or text with no table in it (an e-mail body). */
function needsModel(outcome: Extract<TableOutcome, { ok: false }>, kind: string, upload: Upload) {
  if (outcome.needsModel) return true;
  const freeText = kind === "csv" && (FREE_TEXT.test(upload.fileName) || upload.contentType.startsWith("text/plain"));
  return freeText && outcome.errors.length === 1 && /^No (quantity|title or SKU) column found/.test(outcome.errors[0]!.message);
}

/** Kept and recorded at once; the model-parsing processor reads it and records the parse. */
async function acceptForModel(store: EventStore, files: FileStore, upload: Upload, receivedAt: Date): Promise<UploadAccepted> {
  const sha256 = await files.put(upload.bytes, upload.contentType);
  const purchaseOrderId = randomUUID();
  const { fileName, contentType, merchantId } = upload;
  const uploaded = purchaseOrderDecider.decide(
    {
      type: "UploadPurchaseOrder",
      data: {
        purchaseOrderId,
        merchantId,
        fileName,
        contentType,
        sizeBytes: upload.bytes.byteLength,
        sha256,
        uploadedAt: receivedAt.toISOString(),
        parsing: "model",
      },
    },
    purchaseOrderDecider.initialState,
  );
  const context = { merchantId, correlationId: purchaseOrderId, causationId: randomUUID(), actor: `merchant:${merchantId}` };
  const [result] = await store.appendToStreams([
    { streamName: purchaseOrderStream(purchaseOrderId), expectedRevision: "no_stream", events: eventsToAppend(uploaded, context) },
  ]);
  return { purchaseOrderId, position: result!.position, parsing: "model" };
}

export function fileKindOf(fileName: string, contentType: string) {
  const kind = detectFileKind(fileName, contentType);
  if (!kind)
    throw new ValidationError(`${fileName} (${contentType}) is not a file kind we read`, [{ path: "file", message: "unsupported kind" }]);
  return kind;
}

/** A parse that failed is refused with every problem, each with its line and column. */
export function readableOrRefused(fileName: string, outcome: TableOutcome) {
  if (outcome.ok) return outcome;
  throw new ValidationError(
    `${fileName} is not a purchase order we can read`,
    outcome.errors.map((e) => ({ path: e.field ?? "file", message: e.message, line: e.line, column: e.column })),
  );
}
