import { tableGet } from "../domain/persistentTable.ts";
import { appendUnlessGone } from "./draftGuard.ts";
import { derivedId } from "./eventIds.ts";
import { commandContext, type PipelineDependencies, type PipelineHandlers } from "./handlerTypes.ts";
import { OptimizationJobs } from "./optimizationJobs.ts";

type OptimizationHandlers = Pick<PipelineHandlers, "AttachOptimizedImage">;

/**
 * An item's result joins its draft as a new image, appended under the revision read, exactly like
 * search results: a draft deleted first (or meanwhile) cancels the item and is never written to.
 */
export function optimizationHandlers({ store, drafts }: PipelineDependencies): OptimizationHandlers {
  const jobs = new OptimizationJobs(store);
  return {
    async AttachOptimizedImage(command, context) {
      const { jobId, itemId } = command;
      const job = (await jobs.load(jobId)).state;
      const item = job.status === "none" ? undefined : tableGet(job.items, itemId);
      if (job.status === "none" || !item) throw new Error(`Item ${itemId} is not in optimization job ${jobId}`);
      if (item.status === "done") return { status: "completed" };
      if (item.status !== "succeeded" || !item.outputUrl) return { status: "skipped", reason: `the item is ${item.status}` };
      const metadata = { merchantId: command.merchantId, correlationId: jobId, causationId: context.causationId, actor: context.actor };
      const cancel = async (reason: string) => {
        await jobs.execute({ type: "CancelOptimizationItem", data: { jobId, itemId, reason } }, metadata);
        return { status: "skipped", reason } as const;
      };
      const read = await drafts.load(item.draftId);
      if (read.state.status !== "active")
        return cancel(read.state.status === "deleted" ? "draft deleted before its optimized image was attached" : "draft does not exist");
      const image = { imageId: derivedId(itemId, "result"), url: item.outputUrl, source: `optimized:${job.model}` };
      const attached = await appendUnlessGone(
        store,
        drafts,
        item.draftId,
        { type: "AttachOptimizationResult", data: { draftId: item.draftId, image, sourceImageId: item.sourceImageId, jobId, itemId } },
        read,
        commandContext(context, "attach-optimized"),
        "before its optimized image was attached",
      );
      if (attached.status === "skipped") return cancel(attached.reason);
      if (attached.status === "failed") return attached;
      await jobs.execute(
        { type: "CompleteOptimizationItem", data: { jobId, itemId, resultImageId: image.imageId, url: image.url } },
        metadata,
      );
      return { status: "completed" };
    },
  };
}
