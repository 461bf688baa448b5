import { readFile } from "node:fs/promises";
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { normalizeSku, normalizeTitle, type ImageHit, type ImageQuery, type ImageSearchProvider } from "./provider.ts";

const FeedEntry = z.object({
  sku: z.string().optional().default(""),
  title: z.string().optional().default(""),
  image_url: z.string().min(1),
});
type FeedEntry = z.infer<typeof FeedEntry>;

/**
 * A supplier's catalog feed (CSV or JSON rows of sku, title, image_url) from a file or URL. Works
 * offline, so it is the default. Matches by SKU, else by title regardless of case, punctuation
 * and word order.
 */
export class CatalogFeedProvider implements ImageSearchProvider {
  readonly name = "catalog";
  private constructor(
    private readonly bySku: Map<string, string[]>,
    private readonly byTitle: Map<string, string[]>,
  ) {}

  static async load(location: string): Promise<CatalogFeedProvider> {
    const text = /^https?:\/\//.test(location) ? await fetchFeed(location) : await readFile(location, "utf8");
    return CatalogFeedProvider.fromEntries(parseFeed(text, location));
  }

  static fromEntries(entries: FeedEntry[]): CatalogFeedProvider {
    const bySku = new Map<string, string[]>();
    const byTitle = new Map<string, string[]>();
    const add = (map: Map<string, string[]>, key: string, url: string) => {
      if (!key) return;
      const urls = map.get(key) ?? [];
      if (!urls.includes(url)) urls.push(url);
      map.set(key, urls);
    };
    for (const entry of entries) {
      add(bySku, entry.sku ? normalizeSku(entry.sku) : "", entry.image_url);
      add(byTitle, normalizeTitle(entry.title), entry.image_url);
    }
    return new CatalogFeedProvider(bySku, byTitle);
  }

  async search(query: ImageQuery): Promise<ImageHit[]> {
    const urls = (query.sku && this.bySku.get(normalizeSku(query.sku))) || this.byTitle.get(normalizeTitle(query.title)) || [];
    return urls.map((url) => ({ url }));
  }
}

async function fetchFeed(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`Image catalog ${url} answered ${response.status}`);
  return response.text();
}

function parseFeed(text: string, location: string): FeedEntry[] {
  const trimmed = text.trim();
  const rows: unknown = trimmed.startsWith("[")
    ? JSON.parse(trimmed)
    : parse(trimmed, { columns: true, skip_empty_lines: true, bom: true, trim: true });
  const parsed = z.array(FeedEntry).safeParse(rows);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `Image catalog ${location}: row ${Number(issue.path[0]) + 1}, ${issue.path.slice(1).join(".") || "row"}: ${issue.message}`,
    );
  }
  return parsed.data;
}
