import { NotFound } from "../errors.ts";
import { productDraftDecider, productDraftStream, ProductDraftEvent, type ProductDraftCommand, type ProductDraftState } from "../domain/productDraft.ts";
import { handleCommand, loadStream, type CommandContext, type Loaded } from "./commandHandler.ts";
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

  /** Appends under the revision read; if the draft is gone by then, the stage is skipped. */
  async function appendUnlessGone(
    draftId: string,
    command: ProductDraftCommand,
    read: Loaded<ProductDraftState>,
    context: CommandContext,
    whenGone: string,
  ): Promise<StageOutcome> {
    try {
      await handleCommand(store, productDraftDecider, ProductDraftEvent, productDraftStream(draftId), command, context, { alreadyLoaded: read });
      return { status: "completed" };
    } catch (error) {
      if (error instanceof NotFound) return skippedBecauseGone((await loadDraft(draftId)).state, whenGone);
      throw error;
    }
  }

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
      return appendUnlessGone(
        command.draftId,
        { type: "RecordImageSearch", data: { draftId: command.draftId, searchId, query, provider: imageSearch.name, images } },
        read,
        commandContext(context, "search-result"),
        "during its image search",
      );
    },

    async AttachDraftImages(command, context) {
      const read = await loadDraft(command.draftId);
      const draft = read.state;
      if (draft.status !== "active") return skippedBecauseGone(draft, "before its images were attached");
      const search = draft.searches.find((s) => s.searchId === command.searchId);
      if (!search) throw new Error(`Search ${command.searchId} is not in the stream of draft ${command.draftId}`);
      if (search.images.length === 0) return { status: "skipped", reason: "the search found no images" };
      return appendUnlessGone(
        command.draftId,
        { type: "AttachImages", data: { draftId: command.draftId, searchId: command.searchId, source: search.images[0]!.source, images: search.images } },
        read,
        commandContext(context, "attach"),
        "before its images were attached",
      );
    },
  };
}
