import type { ProductDraftState } from "../domain/productDraftEvents.ts";
import type { Loaded } from "./commandHandler.ts";
import { decideOnDraft, skippedBecauseGone } from "./draftGuard.ts";
import { derivedId } from "./eventIds.ts";
import { commandContext, type PipelineDependencies, type PipelineHandlers } from "./handlerTypes.ts";

type ImageHandlers = Pick<PipelineHandlers, "SearchDraftImages" | "AttachDraftImages">;

export function imageHandlers({ drafts, imageSearch }: PipelineDependencies): ImageHandlers {
  return {
    async SearchDraftImages(command, context) {
      const read = await drafts.load(command.draftId);
      const draft = read.state;
      if (draft.status !== "active") return skippedBecauseGone(draft, "before its image search");
      const searchId = context.derive("search");
      if (draft.searches.some((s) => s.searchId === searchId)) return { status: "completed" };
      const hits = await imageSearch.search({ sku: draft.sku, title: draft.title });
      const images = hits.map((hit) => ({ imageId: derivedId(searchId, hit.url), url: hit.url, source: imageSearch.name }));
      const query = draft.sku ?? draft.title;
      return decideOnDraft(
        drafts,
        command.draftId,
        { type: "RecordImageSearch", data: { draftId: command.draftId, searchId, query, provider: imageSearch.name, images } },
        read,
        commandContext(context, "search-result"),
        "during its image search",
      );
    },

    async AttachDraftImages(command, context) {
      const hasSearch = ({ state }: Loaded<ProductDraftState>) =>
        state.status !== "none" && state.searches.some((s) => s.searchId === command.searchId);
      let read = await drafts.load(command.draftId);
      // A search another process recorded is not in the state known here: the log has it.
      if (!hasSearch(read)) read = await drafts.read(command.draftId);
      const draft = read.state;
      if (draft.status !== "active") return skippedBecauseGone(draft, "before its images were attached");
      const search = draft.searches.find((s) => s.searchId === command.searchId);
      if (!search) throw new Error(`Search ${command.searchId} is not in the stream of draft ${command.draftId}`);
      if (search.images.length === 0) return { status: "skipped", reason: "the search found no images" };
      return decideOnDraft(
        drafts,
        command.draftId,
        {
          type: "AttachImages",
          data: { draftId: command.draftId, searchId: command.searchId, source: search.images[0]!.source, images: search.images },
        },
        read,
        commandContext(context, "attach"),
        "before its images were attached",
      );
    },
  };
}
