import type { Clock } from "../../clock.ts";
import { queryKey, type ImageHit, type ImageQuery, type ImageSearchProvider } from "./provider.ts";

/**
 * Caches results by normalized query (SKU, else title) for a while: a PO that repeats another's
 * SKUs costs no provider calls. Concurrent searches for one key share the same call.
 */
export class CachedImageSearch implements ImageSearchProvider {
  private readonly entries = new Map<string, { expiresAt: number; hits: Promise<ImageHit[]> }>();
  readonly name: string;

  constructor(
    private readonly provider: ImageSearchProvider,
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {
    this.name = provider.name;
  }

  search(query: ImageQuery): Promise<ImageHit[]> {
    const key = queryKey(query);
    const now = this.clock.now().getTime();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) return cached.hits;
    const hits = this.provider.search(query);
    this.entries.delete(key);
    this.entries.set(key, { expiresAt: now + this.ttlMs, hits });
    hits.catch(() => this.entries.delete(key));
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return hits;
  }
}
