import { createServer } from "node:http";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CatalogFeedProvider } from "../../src/integrations/imageSearch/catalogFeed.ts";
import { SAMPLE_CATALOG } from "../../src/integrations/imageSearch/fromConfig.ts";

describe("the supplier catalog feed", () => {
  it("matches the sample POs by SKU, and by title whatever the case, punctuation and word order", async () => {
    const catalog = await CatalogFeedProvider.load(SAMPLE_CATALOG);
    expect(await catalog.search({ sku: "ao-tent-2p", title: "anything" })).toEqual([
      { url: "/catalog/images/ao-tent-2p-1.svg" },
      { url: "/catalog/images/ao-tent-2p-2.svg" },
    ]);
    expect(await catalog.search({ sku: null, title: "tent, BASECAMP 4 person" })).toHaveLength(2);
    expect(await catalog.search({ sku: "UNKNOWN", title: "Summit headlamp (300 lumen)" })).toHaveLength(2);
    expect(await catalog.search({ sku: "BS-TAPE-19", title: "Clear tape 19 mm" })).toEqual([]);
  });

  it("reads JSON feeds, and feeds from a URL", async () => {
    const rows = [{ sku: "X-1", title: "Blue Vase", image_url: "https://cdn.test/x1.jpg" }];
    const dir = await mkdtemp(join(tmpdir(), "po-feed-"));
    await writeFile(join(dir, "feed.json"), JSON.stringify(rows));
    expect(await (await CatalogFeedProvider.load(join(dir, "feed.json"))).search({ sku: null, title: "vase blue" })).toEqual([
      { url: "https://cdn.test/x1.jpg" },
    ]);

    const server = createServer((_, response) => response.end("sku,title,image_url\nY-1,Red Lamp,https://cdn.test/y1.jpg\n"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const remote = await CatalogFeedProvider.load(`http://127.0.0.1:${port}/feed.csv`);
      expect(await remote.search({ sku: "Y-1", title: "" })).toEqual([{ url: "https://cdn.test/y1.jpg" }]);
    } finally {
      server.close();
    }
  });

  it("says which row of a bad feed is wrong", async () => {
    const dir = await mkdtemp(join(tmpdir(), "po-feed-"));
    await writeFile(join(dir, "bad.csv"), "sku,title,image_url\nA,Apple,https://cdn.test/a.jpg\nB,Banana,\n");
    await expect(CatalogFeedProvider.load(join(dir, "bad.csv"))).rejects.toThrow(/row 2, image_url/);
  });
});
