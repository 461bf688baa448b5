import type { Clock } from "../../clock.ts";
import { Semaphore } from "../../semaphore.ts";
import { queryKey, type ImageHit, type ImageQuery, type ImageSearchProvider } from "./provider.ts";

export const DEFAULT_IMAGE_SEARCH_CONCURRENCY = 8;

export type CachedImageSearchSettings = {
  ttlMs: number;
  /** Searches at the provider at once; the rest wait their turn, and a cached answer never waits. */
  concurrency: number;
  maxEntries?: number;
};

/**
 * Caches results by normalized query (SKU, else title) for a while: a PO that repeats another's
 * SKUs costs no provider calls. Concurrent searches for one key share the same call. The bound on
 * the provider is here rather than on the processors' commands, so the drafts a cache answers do
 * not queue behind the ones waiting for the provider.
 */
export class CachedImageSearch implements ImageSearchProvider {
  private readonly entries = new Map<string, { expiresAt: number; hits: Promise<ImageHit[]> }>();
  private readonly calls: Semaphore;
  readonly name: string;

  constructor(
    private readonly provider: ImageSearchProvider,
    private readonly clock: Clock,
    private readonly settings: CachedImageSearchSettings,
  ) {
    this.name = provider.name;
    this.calls = new Semaphore(settings.concurrency);
  }

  search(query: ImageQuery): Promise<ImageHit[]> {
    const key = queryKey(query);
    const now = this.clock.now().getTime();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) return cached.hits;
    const hits = this.calls.run(() => this.provider.search(query));
    this.entries.delete(key);
    this.entries.set(key, { expiresAt: now + this.settings.ttlMs, hits });
    hits.catch(() => this.entries.delete(key));
    if (this.entries.size > (this.settings.maxEntries ?? 10_000)) this.entries.delete(this.entries.keys().next().value!);
    return hits;
  }
}
