import { describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.ts";
import { CachedImageSearch } from "../../src/integrations/imageSearch/cachedSearch.ts";
import type { ImageHit, ImageQuery, ImageSearchProvider } from "../../src/integrations/imageSearch/provider.ts";

/** A provider whose answers come when the test says, counting the calls it holds at once. */
class HeldProvider implements ImageSearchProvider {
  readonly name = "held";
  readonly held: { query: ImageQuery; answer: (hits: ImageHit[]) => void }[] = [];
  inFlight = 0;
  mostInFlight = 0;
  calls = 0;

  search(query: ImageQuery): Promise<ImageHit[]> {
    this.calls++;
    this.mostInFlight = Math.max(this.mostInFlight, ++this.inFlight);
    return new Promise((resolve) =>
      this.held.push({
        query,
        answer: (hits) => {
          this.inFlight--;
          resolve(hits);
        },
      }),
    );
  }

  answerAll() {
    for (const call of this.held.splice(0)) call.answer([{ url: `https://img.test/${call.query.sku}.jpg` }]);
  }
}

const clock = { ...systemClock, now: () => new Date("2026-12-03T10:00:00Z") };
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("the cached image search", () => {
  it("holds at most `concurrency` searches at the provider; the rest go as places free up", async () => {
    const provider = new HeldProvider();
    const search = new CachedImageSearch(provider, clock, { ttlMs: 60_000, concurrency: 3 });
    const results = Array.from({ length: 7 }, (_, i) => search.search({ sku: `S-${i}`, title: `Item ${i}` }));
    await settle();
    expect(provider.inFlight).toBe(3);
    while (provider.held.length > 0) {
      provider.answerAll();
      await settle();
    }
    expect((await Promise.all(results)).map((hits) => hits[0]!.url)).toEqual(
      Array.from({ length: 7 }, (_, i) => `https://img.test/S-${i}.jpg`),
    );
    expect(provider.mostInFlight).toBe(3);
    expect(provider.calls).toBe(7);
  });

  it("answers from its cache at once while the provider's places are all taken", async () => {
    const provider = new HeldProvider();
    const search = new CachedImageSearch(provider, clock, { ttlMs: 60_000, concurrency: 1 });
    const first = search.search({ sku: "A-1", title: "Lamp" });
    await settle();
    provider.answerAll();
    await first;
    const busy = search.search({ sku: "B-1", title: "Vase" });
    await settle();
    expect(provider.inFlight).toBe(1);
    await expect(search.search({ sku: "a-1", title: "anything" })).resolves.toEqual([{ url: "https://img.test/A-1.jpg" }]);
    expect(provider.calls).toBe(2);
    provider.answerAll();
    await busy;
  });
});
