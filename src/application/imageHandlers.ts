import { NotFound } from "../errors.ts";
import { productDraftDecider, productDraftStream, ProductDraftEvent, type ProductDraftState } from "../domain/productDraft.ts";
import { handleCommand, loadStream } from "./commandHandler.ts";
import { derivedId } from "./eventIds.ts";
import { commandContext, type PipelineDependencies, type PipelineHandlers, type StageOutcome } from "./handlerTypes.ts";

type ImageHandlers = Pick<PipelineHandlers, "SearchDraftImages" | "AttachDraftImages">;

const skippedBecauseGone = (state: ProductDraftState, when: string): StageOutcome => ({
  status: "skipped",
  reason: state.status === "deleted" ? `draft deleted ${when}` : `draft does not exist ${when}`,
});

/**
 * Image work per draft. Both steps append to the draft's own stream under the revision they read,
 * so once DraftDeleted is in, nothing more lands on that draft and no image row is ever projected
 * for it: a deletion that wins the race turns the step into StageSkipped, never a foreign-key error.
 */
export function imageHandlers({ store, imageSearch }: PipelineDependencies): ImageHandlers {
  const loadDraft = (draftId: string) => loadStream(store, productDraftDecider, ProductDraftEvent, productDraftStream(draftId));

  return {
    async SearchDraftImages(command, context) {
      const read = await loadDraft(command.draftId);
      const draft = read.state;
      if (draft.status !== "active") return skippedBecauseGone(draft, "before its image search");
      const searchId = context.derive("search");
      if (draft.searches.some((s) => s.searchId === searchId)) return { status: "completed" };
      const hits = await imageSearch.search({ sku: draft.sku, title: draft.title });
      const images = hits.map((hit) => ({ imageId: derivedId(searchId, hit.url), url: hit.url, source: imageSearch.name }));
      const query = draft.sku ?? draft.title;
      try {
        await handleCommand(
          store,
          productDraftDecider,
          ProductDraftEvent,
          productDraftStream(command.draftId),
          { type: "RecordImageSearch", data: { draftId: command.draftId, searchId, query, provider: imageSearch.name, images } },
          commandContext(context, "search-result"),
          { alreadyLoaded: read },
        );
      } catch (error) {
        if (error instanceof NotFound) return skippedBecauseGone((await loadDraft(command.draftId)).state, "during its image search");
        throw error;
      }
      return { status: "completed" };
    },

    async AttachDraftImages(command, context) {
      const read = await loadDraft(command.draftId);
      const draft = read.state;
      if (draft.status !== "active") return skippedBecauseGone(draft, "before its images were attached");
      const search = draft.searches.find((s) => s.searchId === command.searchId);
      if (!search) throw new Error(`Search ${command.searchId} is not in the stream of draft ${command.draftId}`);
      if (search.images.length === 0) return { status: "skipped", reason: "the search found no images" };
      try {
        await handleCommand(
          store,
          productDraftDecider,
          ProductDraftEvent,
          productDraftStream(command.draftId),
          { type: "AttachImages", data: { draftId: command.draftId, searchId: command.searchId, source: search.images[0]!.source, images: search.images } },
          commandContext(context, "attach"),
          { alreadyLoaded: read },
        );
      } catch (error) {
        if (error instanceof NotFound) return skippedBecauseGone((await loadDraft(command.draftId)).state, "before its images were attached");
        throw error;
      }
      return { status: "completed" };
    },
  };
}
