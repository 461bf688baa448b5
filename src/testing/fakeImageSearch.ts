import { createHash } from "node:crypto";
import type { ImageHit, ImageQuery, ImageSearchProvider } from "../integrations/imageSearch/provider.ts";

export type FakeSearchSettings = { minLatencyMs: number; maxLatencyMs: number; foundFraction?: number };

/**
 * A provider with a given latency and deterministic answers: the same query always finds the same
 * images (or none), so a test can say which drafts must end up with which images.
 */
export class FakeImageSearch implements ImageSearchProvider {
  readonly name = "fake";
  calls = 0;

  constructor(private readonly settings: FakeSearchSettings) {}

  static expectedHits(query: ImageQuery, foundFraction = 0.85): ImageHit[] {
    const digest = createHash("sha256")
      .update(query.sku ?? query.title)
      .digest();
    if (digest[0]! / 256 >= foundFraction) return [];
    const count = 1 + (digest[1]! % 3);
    const key = encodeURIComponent(query.sku ?? query.title);
    return Array.from({ length: count }, (_, i) => ({ url: `https://images.example.test/${key}/${i + 1}.jpg` }));
  }

  async search(query: ImageQuery): Promise<ImageHit[]> {
    this.calls++;
    const { minLatencyMs, maxLatencyMs } = this.settings;
    await new Promise((resolve) => setTimeout(resolve, minLatencyMs + Math.random() * (maxLatencyMs - minLatencyMs)));
    return FakeImageSearch.expectedHits(query, this.settings.foundFraction);
  }
}
