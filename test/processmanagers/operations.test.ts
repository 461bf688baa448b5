import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.ts";
import { TransientError } from "../../src/errors.ts";
import type { ImageHit, ImageQuery, ImageSearchProvider } from "../../src/integrations/imageSearch/provider.ts";
import { adminKey, merchantA, startTestSystem, type TestSystem } from "../support/system.ts";

/** Answers every query, except that it fails for SKUs starting with FAIL while broken. */
class FlakySearch implements ImageSearchProvider {
  readonly name = "flaky";
  broken = true;
  async search(query: ImageQuery): Promise<ImageHit[]> {
    if (this.broken && query.sku?.startsWith("FAIL")) throw new TransientError("image search answered 503");
    return [{ url: `https://images.example.test/${query.sku}.jpg` }];
  }
}

type PurchaseOrderBody = {
  status: string;
  drafts: { id: string; sku: string; images: unknown[] }[];
  stages: { stage: string; subjectId: string | null; status: string; reason: string | null }[];
};

describe("operating the processors (admin API and CLI)", () => {
  let t: TestSystem;
  const search = new FlakySearch();
  const cli = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await runCli(args, { ADMIN_KEY: adminKey, PO_PIPELINE_URL: t.baseUrl }, (line) => lines.push(line));
    return { code, output: lines.join("\n") };
  };
  const parked = async () =>
    JSON.parse((await cli("processors", "parked")).output).parked as {
      id: string;
      processor: string;
      error: string;
      command: { draftId: string };
    }[];
  const upload = async (skus: string[]) => {
    const csv = ["SKU,Title,Qty", ...skus.map((sku) => `${sku},Item ${sku},1`)].join("\n");
    return ((await (await t.upload("po.csv", csv)).json()) as { id: string }).id;
  };

  beforeAll(async () => {
    t = await startTestSystem({ imageSearch: search, processors: { maxAttempts: 2, retryBaseDelayMs: 1 }, imageSearchCacheTtlMs: 0 });
  });
  afterAll(() => t.stop());

  it("keeps the admin API behind the admin key, and merchants' routes away from it", async () => {
    expect((await t.api("/admin/processors", { as: merchantA })).status).toBe(401);
    expect((await t.api("/purchase-orders", { as: { key: adminKey } })).status).toBe(401);
    expect((await t.api("/admin/processors", { as: { key: adminKey } })).status).toBe(200);
    expect(await runCli(["processors", "status"], { PO_PIPELINE_URL: t.baseUrl }, () => {})).toBe(2);
    expect((await cli("processors", "frobnicate")).code).toBe(2);
    expect((await cli("processors", "pause", "no-such-processor")).code).toBe(1);
  });

  it("parks a command that fails every retry, shows it, and runs it again on request", async () => {
    const id = await upload(["OK-1", "FAIL-1"]);
    await expect.poll(async () => (await parked()).length, { timeout: 10_000 }).toBe(1);
    const [message] = await parked();
    expect(message).toMatchObject({ processor: "image-search", error: "image search answered 503" });
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.status !== "images_pending");
    expect(po.status).toBe("images_failed");
    expect(po.stages.find((s) => s.subjectId === message!.command.draftId && s.stage === "search_images")?.status).toBe("failed");

    const status = JSON.parse((await cli("processors", "status")).output).processors as { name: string; parked: number }[];
    expect(status.find((p) => p.name === "image-search")?.parked).toBe(1);

    search.broken = false;
    const retried = await cli("processors", "retry", message!.id);
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.output)).toMatchObject({ succeeded: true });
    expect(await parked()).toEqual([]);
    const done = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.status === "complete");
    expect(done.drafts.every((d) => d.images.length === 1)).toBe(true);
  });

  it("discards a parked command, saying so in the stage log", async () => {
    search.broken = true;
    const id = await upload(["FAIL-2"]);
    await expect.poll(async () => (await parked()).length, { timeout: 10_000 }).toBe(1);
    const [message] = await parked();
    expect((await cli("processors", "discard", message!.id)).code).toBe(0);
    expect(await parked(), JSON.stringify(message)).toEqual([]);
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.status === "complete");
    expect(po.stages.find((s) => s.stage === "search_images")).toMatchObject({
      status: "skipped",
      reason: expect.stringContaining("discarded by admin"),
    });
    expect((await cli("processors", "retry", message!.id)).code).toBe(1);
  });

  it("pauses a processor and resumes it where it left off", async () => {
    search.broken = false;
    expect((await cli("processors", "pause", "image-search")).code).toBe(0);
    const id = await upload(["P-1", "P-2"]);
    await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.drafts.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const paused = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, () => true);
    expect(paused.stages.filter((s) => s.stage === "search_images")).toEqual([]);
    const status = JSON.parse((await cli("processors", "status")).output).processors as { name: string; paused: boolean }[];
    expect(status.find((p) => p.name === "image-search")?.paused).toBe(true);

    expect((await cli("processors", "resume", "image-search")).code).toBe(0);
    const resumed = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.status === "complete");
    expect(resumed.drafts.every((d) => d.images.length === 1)).toBe(true);
  });
});
