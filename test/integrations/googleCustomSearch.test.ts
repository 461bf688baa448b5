import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TransientError } from "../../src/errors.ts";
import { GoogleCustomSearchProvider, retryAfterMs } from "../../src/integrations/imageSearch/googleCustomSearch.ts";
import { startFakeGoogleSearch } from "../support/fakeGoogleSearch.ts";
import { startTestSystem } from "../support/system.ts";

const credentials = { apiKey: "test-google-key", cx: "test-cx" };

describe("Google Programmable Search, against a local server speaking its API", () => {
  let google: Awaited<ReturnType<typeof startFakeGoogleSearch>>;
  let provider: GoogleCustomSearchProvider;
  beforeAll(async () => {
    google = await startFakeGoogleSearch(credentials);
    provider = new GoogleCustomSearchProvider({ ...credentials, endpoint: google.endpoint });
  });
  beforeEach(() => {
    google.script.length = 0;
  });
  afterAll(() => google.close());

  it("asks for images by SKU and title and returns the links", async () => {
    const hits = await provider.search({ sku: "AO-TENT-2P", title: "Trailhead Tent" });
    expect(hits).toEqual([
      { url: "https://images.example.test/AO-TENT-2P%20Trailhead%20Tent/1.jpg" },
      { url: "https://images.example.test/AO-TENT-2P%20Trailhead%20Tent/2.jpg" },
    ]);
    const sent = google.requests.at(-1)!;
    expect(Object.fromEntries(sent)).toMatchObject({
      key: "test-google-key",
      cx: "test-cx",
      searchType: "image",
      q: "AO-TENT-2P Trailhead Tent",
    });
  });

  it("turns 429 into a retryable error carrying Retry-After, and 5xx into a retryable one", async () => {
    google.script.push({ status: 429, headers: { "retry-after": "3" }, body: { error: { code: 429 } } }, { status: 503 });
    const throttled = await provider.search({ sku: null, title: "Mug" }).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(TransientError);
    expect((throttled as TransientError).retryAfterMs).toBe(3_000);
    await expect(provider.search({ sku: null, title: "Mug" })).rejects.toBeInstanceOf(TransientError);
  });

  it("does not retry a refused key, and rejects a response that is not the API's", async () => {
    const wrongKey = new GoogleCustomSearchProvider({ ...credentials, apiKey: "nope", endpoint: google.endpoint });
    const refused = await wrongKey.search({ sku: null, title: "Mug" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(Error);
    expect(refused).not.toBeInstanceOf(TransientError);
    google.script.push({ status: 200, body: { items: [{ link: 42 }] } });
    await expect(provider.search({ sku: null, title: "Mug" })).rejects.toThrow(/unexpected response/);
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(retryAfterMs("2")).toBe(2_000);
    expect(retryAfterMs(new Date(Date.UTC(2030, 0, 1, 0, 0, 10)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(10_000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs("soon")).toBeUndefined();
  });

  it("gets images to drafts through 429s in the running pipeline, honouring Retry-After", async () => {
    google.script.push({ status: 429, headers: { "retry-after": "1" } }, { status: 500 });
    const t = await startTestSystem({ imageSearch: provider, processors: { concurrency: 1, retryBaseDelayMs: 10 } });
    try {
      const { id } = (await (await t.upload("po.csv", "SKU,Title,Qty\nG-1,Garden hose,2\n")).json()) as { id: string };
      const po = await t.eventually<{
        status: string;
        drafts: { images: unknown[] }[];
        stages: { stage: string; attempt: number; status: string }[];
      }>(`/purchase-orders/${id}`, (b) => b.status === "complete");
      expect(po.drafts[0]!.images).toHaveLength(2);
      expect(po.stages.find((s) => s.stage === "search_images")).toMatchObject({ status: "completed", attempt: 3 });
    } finally {
      await t.stop();
    }
  });
});
