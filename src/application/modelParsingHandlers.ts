import { productDraftDecider, productDraftStream } from "../domain/productDraft.ts";
import { purchaseOrderDecider, purchaseOrderStream } from "../domain/purchaseOrder.ts";
import type { StreamAppend } from "../eventstore/port.ts";
import { modelPages, readWithModel } from "../parsing/modelParser.ts";
import { merchantSettings, purchaseOrders } from "./aggregates.ts";
import { prepareDrafts } from "./draftPreparation.ts";
import { eventsToAppend } from "./commandHandler.ts";
import { commandContext, type PipelineDependencies, type PipelineHandlers, type StageDecision } from "./handlerTypes.ts";
import { draftIdFor } from "./purchaseOrderCommands.ts";

/**
 * Reads a scan or free text with the model: its answer must pass the line-item schema; a refused
 * answer is asked for again once, with what was wrong, and a second refusal fails the PO saying why.
 * A model that cannot be reached throws, and the runner retries the stage with backoff.
 */
export function modelParsingHandlers({ store, clock, files, modelParser }: PipelineDependencies): Pick<PipelineHandlers, "ParseWithModel"> {
  return {
    async ParseWithModel(command, context): Promise<StageDecision> {
      const { purchaseOrderId, merchantId } = command;
      const [po, settings] = await Promise.all([purchaseOrders.load(store, purchaseOrderId), merchantSettings.load(store, merchantId)]);
      if (po.state.status !== "uploaded") return { status: "completed" };
      if (!modelParser)
        return { status: "failed", error: "No AI parser on this server: set REPLICATE_API_TOKEN and REPLICATE_PARSER_MODEL" };
      const stored = await files.get(po.state.sha256);
      if (!stored) return { status: "failed", error: `The original file ${po.state.sha256} is missing` };
      const pages = await modelPages(stored);
      const { gateway, budget } = modelParser;
      const limiters = { create: budget.create.for(merchantId), other: budget.other };
      const reading =
        "refused" in pages
          ? ({ ok: false, errors: pages.refused } as const)
          : await readWithModel(pages, (input) => gateway.run(input, limiters), gateway.model);

      const { decide } = purchaseOrderDecider;
      const poContext = commandContext(context, "parse-with-model");
      if (!reading.ok) {
        const error = "refused" in pages ? pages.refused : `The AI parser's answer was refused twice: ${reading.errors}`;
        const failed = decide({ type: "RecordParseOutcome", data: { ok: false, errors: [{ line: 1, message: error }] } }, po.state);
        const append = {
          streamName: purchaseOrderStream(purchaseOrderId),
          expectedRevision: po.revision!,
          events: eventsToAppend(failed, poContext),
        };
        return { status: "failed", error, appends: [append] };
      }
      const { lineItems, report } = reading;
      const parsed = decide({ type: "RecordParseOutcome", data: { ok: true, lineItems, report } }, po.state);
      const { drafts, stageLog } = prepareDrafts(purchaseOrderId, lineItems, settings.state.settings, clock, (line) =>
        draftIdFor(purchaseOrderId, line.lineNumber),
      );
      const announced = decide({ type: "CreateDrafts", data: { drafts } }, parsed.reduce(purchaseOrderDecider.evolve, po.state));
      const draftAppends: StreamAppend[] = drafts.map((draft) => ({
        streamName: productDraftStream(draft.draftId),
        expectedRevision: "no_stream",
        events: eventsToAppend(
          productDraftDecider.decide(
            { type: "CreateDraft", data: { ...draft, purchaseOrderId, merchantId } },
            productDraftDecider.initialState,
          ),
          commandContext(context, "draft", draft.draftId),
        ),
      }));
      // The PO's stream last, as at upload: a processor reacting to DraftsCreated finds every draft.
      const poAppend = {
        streamName: purchaseOrderStream(purchaseOrderId),
        expectedRevision: po.revision!,
        events: eventsToAppend([...parsed, ...announced], poContext),
      };
      return { status: "completed", appends: [...draftAppends, poAppend], followingStages: stageLog };
    },
  };
}
