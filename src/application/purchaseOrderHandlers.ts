import { fold } from "../domain/decider.ts";
import { productDraftDecider, productDraftStream } from "../domain/productDraft.ts";
import { purchaseOrderDecider, purchaseOrderStream, PurchaseOrderEvent, type DraftSpec } from "../domain/purchaseOrder.ts";
import type { StreamAppend } from "../eventstore/port.ts";
import { parsePurchaseOrder } from "../parsing/purchaseOrderParser.ts";
import { eventsToAppend, handleCommand, parseEvent } from "./commandHandler.ts";
import { derivedId } from "./eventIds.ts";
import { commandContext, type PipelineDependencies, type PipelineHandlers } from "./handlerTypes.ts";

export const draftIdFor = (purchaseOrderId: string, lineNumber: number) => derivedId("draft", purchaseOrderId, String(lineNumber));

type PurchaseOrderHandlers = Pick<PipelineHandlers, "ParsePurchaseOrder" | "CreateDraftsForPurchaseOrder">;

export function purchaseOrderHandlers({ store, files }: PipelineDependencies): PurchaseOrderHandlers {
  return {
    async ParsePurchaseOrder(command, context) {
      const file = await files.get(command.sha256);
      if (!file) throw new Error(`The uploaded file ${command.sha256} is missing from the file store`);
      const outcome = parsePurchaseOrder(file.bytes);
      const recordOutcome = outcome.ok
        ? ({ ok: true, lineItems: outcome.lineItems } as const)
        : ({ ok: false, errors: outcome.errors } as const);
      const { events } = await handleCommand(
        store,
        purchaseOrderDecider,
        PurchaseOrderEvent,
        purchaseOrderStream(command.purchaseOrderId),
        { type: "RecordParseOutcome", data: recordOutcome },
        commandContext(context, "parse-outcome"),
      );
      const failure = events.find((e) => e.type === "PurchaseOrderParseFailed");
      if (failure?.type !== "PurchaseOrderParseFailed") return { status: "completed" };
      const [first] = failure.data.errors;
      const count = failure.data.errors.length;
      return { status: "failed", error: `${count} problem${count === 1 ? "" : "s"}; line ${first?.line}: ${first?.message}` };
    },

    async CreateDraftsForPurchaseOrder(command, context) {
      const poStream = purchaseOrderStream(command.purchaseOrderId);
      const recorded = await store.readStream(poStream);
      const state = fold(purchaseOrderDecider, recorded.map((r) => parseEvent(PurchaseOrderEvent, r)));
      if (state.status === "drafts_created") return { status: "completed" };
      if (state.status !== "parsed") return { status: "skipped", reason: `purchase order is ${state.status}` };
      const drafts: DraftSpec[] = state.lineItems.map((line) => ({ ...line, draftId: draftIdFor(command.purchaseOrderId, line.lineNumber) }));
      // Each draft's own stream starts in the same atomic append that announces the drafts, so every
      // draft anyone can see has a stream whose revision guards later changes.
      const draftAppends: StreamAppend[] = drafts.map((draft) => ({
        streamName: productDraftStream(draft.draftId),
        expectedRevision: "no_stream",
        events: eventsToAppend(
          productDraftDecider.decide(
            { type: "CreateDraft", data: { ...draft, purchaseOrderId: command.purchaseOrderId, merchantId: command.merchantId } },
            productDraftDecider.initialState,
          ),
          commandContext(context, "draft", draft.draftId),
        ),
      }));
      const announcement = purchaseOrderDecider.decide({ type: "CreateDrafts", data: { drafts } }, state);
      // The drafts' own streams first: where the append is not atomic, a processor that reacts to
      // DraftsCreated finds every draft already there.
      await store.appendToStreams([
        ...draftAppends,
        { streamName: poStream, expectedRevision: recorded.at(-1)!.revision, events: eventsToAppend(announcement, commandContext(context, "drafts-created")) },
      ]);
      return { status: "completed" };
    },
  };
}
