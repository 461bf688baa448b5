import { randomUUID } from "node:crypto";
import type { Clock } from "../clock.ts";
import { ConcurrencyError, NotFound } from "../errors.ts";
import { headerSignature, type ColumnChoice } from "../domain/columnMapping.ts";
import type { ProductDraftCommand } from "../domain/productDraft.ts";
import type { DraftChanges } from "../domain/productDraftEvents.ts";
import { purchaseOrderDecider, purchaseOrderStream, type DraftSpec } from "../domain/purchaseOrder.ts";
import { workflowStream } from "../domain/workflow.ts";
import type { EventStore, StreamAppend } from "../eventstore/port.ts";
import type { FileStore } from "../files/fileStore.ts";
import { parseDocument } from "../parsing/document.ts";
import { normalizeLines, type MergedLine } from "../domain/normalization.ts";
import { applyMerchantRules } from "../domain/pricing.ts";
import { merchantSettings, productDrafts, purchaseOrders, supplierMappings } from "./aggregates.ts";
import { prepareDrafts } from "./draftPreparation.ts";
import { eventsToAppend, type CommandContext } from "./commandHandler.ts";
import { derivedId } from "./eventIds.ts";
import { draftIdFor, fileKindOf, readableOrRefused } from "./purchaseOrderCommands.ts";
import { stageRun } from "./stageLog.ts";

export type MappingCorrection = { merchantId: string; purchaseOrderId: string; columns: ColumnChoice };

const FIELDS = ["sku", "title", "quantity", "unitCost", "retailPrice"] as const;
type DraftValues = Pick<DraftSpec, (typeof FIELDS)[number]>;

/**
 * Reads the PO's original file again with the merchant's columns and records it as a new parse;
 * nothing earlier is rewritten. The drafts follow: a field the merchant never edited takes the new
 * value, an edited one keeps the merchant's; lines that are no longer line items lose their drafts,
 * new lines get new ones; a draft the merchant deleted stays deleted. The columns are remembered for
 * the supplier's header row. All of it is one append, made under the revisions that were read; image
 * work appending to a draft meanwhile makes it fail whole, and it is decided again on what is there now.
 */
export async function correctColumnMapping(store: EventStore, files: FileStore, correction: MappingCorrection, clock: Clock) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await correctOnce(store, files, correction, clock);
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}

const MAX_ATTEMPTS = 5;

async function correctOnce(store: EventStore, files: FileStore, correction: MappingCorrection, clock: Clock) {
  const { merchantId, purchaseOrderId, columns } = correction;
  const startedAt = clock.now();
  const [po, settings] = await Promise.all([purchaseOrders.load(store, purchaseOrderId), merchantSettings.load(store, merchantId)]);
  if (po.state.status === "none" || po.state.merchantId !== merchantId) throw new NotFound("Purchase order", purchaseOrderId);
  const { fileName, contentType, sha256 } = po.state;
  const file = await files.get(sha256);
  if (!file) throw new NotFound("Original file of purchase order", purchaseOrderId);
  const outcome = readableOrRefused(fileName, await parseDocument(file.bytes, fileKindOf(fileName, contentType), { columns }));
  const parsedAt = clock.now();

  const live = new Set("draftIds" in po.state ? po.state.draftIds : []);
  const prepared = prepareDrafts(purchaseOrderId, outcome.lineItems, settings.state.settings, clock, (line) =>
    draftIdFor(purchaseOrderId, line.lineNumber),
  );
  const drafts: DraftSpec[] = await Promise.all(
    prepared.drafts.map(async (spec) => {
      if (live.has(spec.draftId) || (await productDrafts.load(store, spec.draftId)).state.status === "none") return spec;
      // The line's draft was removed by an earlier correction: it comes back as a new draft, the old one's history kept.
      return { ...spec, draftId: derivedId("draft", purchaseOrderId, String(spec.lineNumber), `revision-${po.revision}`) };
    }),
  );
  const context: CommandContext = {
    merchantId,
    correlationId: purchaseOrderId,
    causationId: randomUUID(),
    actor: `merchant:${merchantId}`,
  };
  const correctedBy = `merchant:${merchantId}`;
  const { mapping, warnings, report, lineItems } = outcome;
  const events = purchaseOrderDecider.decide(
    { type: "CorrectColumnMapping", data: { columns, correctedBy, parsed: { lineItems, mapping, warnings, report }, drafts } },
    po.state,
  );
  const created = events.flatMap((e) => (e.type === "DraftsCreated" ? e.data.drafts : []));
  const reconciled = events.flatMap((e) => (e.type === "DraftsReconciled" ? [e.data] : []))[0]!;
  // What the earlier parse's drafts were made of, normalized and priced as this one's are.
  const earlierLines = normalizeLines("lineItems" in po.state ? po.state.lineItems : []).lines;
  const earlier = new Map(applyMerchantRules(earlierLines, settings.state.settings).lines.map((line) => [line.lineNumber, line]));
  const newSpec = new Map(drafts.map((d) => [d.draftId, d]));

  const draftAppends = [
    ...created.map(async (spec) =>
      draftAppend(store, spec.draftId, { type: "CreateDraft", data: { ...spec, purchaseOrderId, merchantId } }, context),
    ),
    ...reconciled.kept.map(async (draftId) => {
      const loaded = await productDrafts.load(store, draftId);
      if (loaded.state.status !== "active") return [];
      const next = newSpec.get(draftId)!;
      const changes = changesFor(loaded.state, earlier.get(loaded.state.lineNumber), next);
      if (!changes) return [];
      const remerged = sameLines(loaded.state.mergedLines, next.mergedLines) ? {} : { mergedLines: next.mergedLines ?? null };
      return productDrafts.appendsFor(
        draftId,
        { type: "UpdateDraft", data: { draftId, merchantId, changes, ...remerged } },
        loaded,
        context,
      );
    }),
    ...reconciled.removed.map(async (draftId) =>
      draftAppend(store, draftId, { type: "DeleteDraft", data: { draftId, merchantId } }, context),
    ),
  ];
  const remembering =
    mapping.headers.length > 0
      ? supplierMappings.appendsFor(
          merchantId,
          {
            type: "RememberColumnMapping",
            data: { merchantId, headerSignature: headerSignature(mapping.headers), columns, purchaseOrderId },
          },
          await supplierMappings.load(store, merchantId),
          context,
        )
      : [];
  const results = await store.appendToStreams([
    {
      streamName: workflowStream(purchaseOrderId),
      events: eventsToAppend(
        [...stageRun(purchaseOrderId, "parse", startedAt, parsedAt, { parseReport: report }), ...prepared.stageLog],
        context,
      ),
    },
    ...(await Promise.all(draftAppends)).flat(),
    ...remembering,
    // Last, under the revision read: a concurrent correction makes this one fail whole.
    { streamName: purchaseOrderStream(purchaseOrderId), expectedRevision: po.revision!, events: eventsToAppend(events, context) },
  ]);
  return { position: results.at(-1)!.position };
}

async function draftAppend(
  store: EventStore,
  draftId: string,
  command: ProductDraftCommand,
  context: CommandContext,
): Promise<StreamAppend[]> {
  const loaded = await productDrafts.load(store, draftId);
  // A draft the merchant deleted is not brought back, nor deleted twice.
  if (command.type === "DeleteDraft" && loaded.state.status !== "active") return [];
  return productDrafts.appendsFor(draftId, command, loaded, context);
}

// By value: the log's jsonb does not keep the writer's key order.
const linesKey = (lines: MergedLine[] | undefined) => JSON.stringify((lines ?? []).map((l) => [l.lineNumber, l.quantity, l.unitCost]));
const sameLines = (a: MergedLine[] | undefined, b: MergedLine[] | undefined) => linesKey(a) === linesKey(b);

/** The new parse's values for the fields the merchant left as the earlier parse read them. */
function changesFor(current: DraftValues, earlier: DraftValues | undefined, next: DraftValues): DraftChanges | undefined {
  const changes: Record<string, unknown> = {};
  for (const field of FIELDS) {
    const untouched = earlier === undefined || current[field] === earlier[field];
    if (untouched && current[field] !== next[field]) changes[field] = next[field];
  }
  return Object.keys(changes).length > 0 ? (changes as DraftChanges) : undefined;
}
