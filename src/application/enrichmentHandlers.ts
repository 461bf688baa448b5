import { enrichmentInput, readEnrichment } from "../enrichment/enrichmentModel.ts";
import { merchantSettings } from "./aggregates.ts";
import { decideOnDraft, skippedBecauseGone } from "./draftGuard.ts";
import { commandContext, type PipelineDependencies, type PipelineHandlers, type StageDecision } from "./handlerTypes.ts";

/**
 * Asks the text model for a draft's description, tags and product type. The answer must pass the
 * schema; a refused answer is asked for again once, with what was wrong, and a second refusal fails
 * the stage saying why. The result is appended on the draft's stream under the revision read before
 * the model ran: a draft deleted meanwhile is decided on again and skipped, never enriched.
 */
export function enrichmentHandlers({ store, drafts, enrichment }: PipelineDependencies): Pick<PipelineHandlers, "EnrichDraft"> {
  return {
    async EnrichDraft(command, context): Promise<StageDecision> {
      if (!enrichment) return { status: "skipped", reason: "no AI text model on this server (REPLICATE_TEXT_MODEL)" };
      const read = await drafts.load(command.draftId);
      const draft = read.state;
      if (draft.status !== "active") return skippedBecauseGone(draft, "before its enrichment");
      const enrichmentId = context.derive("enrichment");
      if (draft.enrichmentIds.includes(enrichmentId)) return { status: "completed" };
      const { settings } = (await merchantSettings.load(store, command.merchantId)).state;

      const { gateway, budget } = enrichment;
      // Creations in the merchant's turn, shared with image optimization and the AI parser.
      const limiters = { create: budget.create.for(command.merchantId), other: budget.other };
      const ask = async (previousErrors?: string) =>
        readEnrichment(await gateway.run(enrichmentInput({ title: draft.title, sku: draft.sku }, settings, previousErrors), limiters));
      let reading = await ask();
      if (!reading.ok) reading = await ask(reading.errors);
      if (!reading.ok) return { status: "failed", error: `The AI model's answer was refused twice: ${reading.errors}` };

      return decideOnDraft(
        drafts,
        command.draftId,
        {
          type: "RecordEnrichment",
          data: { draftId: command.draftId, enrichmentId, model: gateway.model, suggestion: reading.enrichment },
        },
        read,
        commandContext(context, "enrichment"),
        "during its enrichment",
      );
    },
  };
}
