import { matchingHandlers } from "./matchingHandlers.ts";
import { enrichmentHandlers } from "./enrichmentHandlers.ts";
import { imageHandlers } from "./imageHandlers.ts";
import { modelParsingHandlers } from "./modelParsingHandlers.ts";
import { optimizationHandlers } from "./optimizationHandlers.ts";
import { publishHandlers } from "./publishHandlers.ts";
import { reviewHandlers } from "./reviewHandlers.ts";
import type { PipelineDependencies, PipelineHandlers } from "./handlerTypes.ts";

export function pipelineHandlers(dependencies: PipelineDependencies): PipelineHandlers {
  return {
    ...imageHandlers(dependencies),
    ...reviewHandlers(dependencies),
    ...optimizationHandlers(dependencies),
    ...modelParsingHandlers(dependencies),
    ...publishHandlers(dependencies),
    ...enrichmentHandlers(dependencies),
    ...matchingHandlers(dependencies),
  };
}
