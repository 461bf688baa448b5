import { z } from "zod";
import { enrichment } from "./enrichment.ts";
import { imageAttachment } from "./imageAttachment.ts";
import { imageSearch } from "./imageSearch.ts";
import { modelParsing } from "./modelParsing.ts";
import { optimizedImageAttachment } from "./optimizedImageAttachment.ts";
import { productMatching } from "./productMatching.ts";
import { completion, publishing } from "./publishing.ts";
import { reviewOpening } from "./reviewOpening.ts";

/** Every process manager, registered once by name; the runtime, CLI and admin API derive from this list. */
export const processManagers = [
  imageSearch,
  imageAttachment,
  reviewOpening,
  optimizedImageAttachment,
  modelParsing,
  enrichment,
  productMatching,
  publishing,
  completion,
] as const;

export const ProcessorName = z.enum(processManagers.map((pm) => pm.name) as [string, ...string[]]);
export type ProcessorName = (typeof processManagers)[number]["name"];
