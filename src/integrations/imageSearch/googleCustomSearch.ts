import { z } from "zod";
import { TransientError } from "../../errors.ts";
import { describeQuery, type ImageHit, type ImageQuery, type ImageSearchProvider } from "./provider.ts";

export const GOOGLE_CSE_ENDPOINT = "https://www.googleapis.com/customsearch/v1";

const SearchResponse = z.object({ items: z.array(z.object({ link: z.string().url() })).optional() });

export type GoogleSearchSettings = { apiKey: string; cx: string; endpoint?: string; resultsPerQuery?: number; timeoutMs?: number };

/** Google Programmable Search (Custom Search JSON API), image search. */
export class GoogleCustomSearchProvider implements ImageSearchProvider {
  readonly name = "google";
  constructor(private readonly settings: GoogleSearchSettings) {}

  async search(query: ImageQuery): Promise<ImageHit[]> {
    const url = new URL(this.settings.endpoint ?? GOOGLE_CSE_ENDPOINT);
    url.search = new URLSearchParams({
      key: this.settings.apiKey,
      cx: this.settings.cx,
      q: describeQuery(query),
      searchType: "image",
      num: String(this.settings.resultsPerQuery ?? 4),
    }).toString();
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.settings.timeoutMs ?? 10_000) });
    } catch (error) {
      throw new TransientError(`Google search did not answer: ${(error as Error).message}`);
    }
    if (response.status === 429 || response.status >= 500) {
      throw new TransientError(`Google search answered ${response.status}`, retryAfterMs(response.headers.get("retry-after")));
    }
    if (!response.ok) throw new Error(`Google search answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    const body = SearchResponse.safeParse(await response.json());
    if (!body.success) throw new Error(`Google search sent an unexpected response: ${body.error.issues[0]?.message}`);
    return (body.data.items ?? []).map((item) => ({ url: item.link }));
  }
}

/** Retry-After is either seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
