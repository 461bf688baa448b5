import { fileURLToPath } from "node:url";
import { isAbsolute, resolve } from "node:path";
import type { Config } from "../../config.ts";
import { CatalogFeedProvider } from "./catalogFeed.ts";
import { GoogleCustomSearchProvider } from "./googleCustomSearch.ts";
import type { ImageSearchProvider } from "./provider.ts";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const SAMPLE_CATALOG = resolve(REPO_ROOT, "samples/catalog/catalog.csv");
export const SAMPLE_CATALOG_IMAGES = resolve(REPO_ROOT, "samples/catalog/images");

export async function imageSearchFromConfig(config: Config): Promise<ImageSearchProvider> {
  if (config.IMAGE_SEARCH_PROVIDER === "google") {
    if (!config.GOOGLE_API_KEY || !config.GOOGLE_CSE_CX) {
      throw new Error("IMAGE_SEARCH_PROVIDER=google needs GOOGLE_API_KEY and GOOGLE_CSE_CX");
    }
    return new GoogleCustomSearchProvider({
      apiKey: config.GOOGLE_API_KEY,
      cx: config.GOOGLE_CSE_CX,
      endpoint: config.GOOGLE_CSE_ENDPOINT,
    });
  }
  const location = config.IMAGE_CATALOG ?? SAMPLE_CATALOG;
  return CatalogFeedProvider.load(/^https?:\/\//.test(location) || isAbsolute(location) ? location : resolve(location));
}
