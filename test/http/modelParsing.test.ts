import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SharedRateLimiter } from "../../src/optimization/rateLimiter.ts";
import { startFakeReplicate, type FakeReplicate } from "../../src/testing/fakeReplicate.ts";
import { scannedPdf } from "../support/poFiles.ts";
import { merchantA, merchantB, startTestSystem, type TestSystem } from "../support/system.ts";

type PurchaseOrderBody = {
  id: string;
  status: string;
  parseErrors: { message: string }[] | null;
  lineItems: { sku: string | null; title: string; quantity: number; unitCost: number | null; source: unknown; flagged: boolean }[];
  drafts: { title: string }[];
  stages: { stage: string; status: string; error: string | null }[];
};

const valid = JSON.stringify({
  lineItems: [
    {
      sku: "AB-100",
      title: "Blue ceramic mug",
      quantity: 4,
      unitCost: 2.5,
      source: "4 x AB-100 Blue ceramic mug @ 2.50",
      confidence: 0.95,
    },
    { sku: null, title: "Oak board", quantity: 2, unitCost: null, source: "and two oak boards", confidence: 0.4 },
  ],
});

/** What the fake model answers, by what the prompt says: each test's file names its own behaviour. */
function answer(input: Record<string, unknown>): unknown {
  const prompt = String(input.prompt);
  if (prompt.includes("ALWAYS-WRONG")) return "Sorry, I cannot read this.";
  if (prompt.includes("WRONG-FIRST") && !prompt.includes("previous answer was refused"))
    return '{"lineItems":[{"title":"Mug","quantity":"four"}]}';
  // A language model streams its answer in pieces, fenced as often as not.
  return ["```json\n", valid.slice(0, 40), valid.slice(40), "\n```"];
}

/** Each read model follows the log at its own pace: the drafts may show before the PO's own row moves on. */
const parsedWithDrafts = (b: PurchaseOrderBody) => b.drafts.length === 2 && b.lineItems.length === 2;

describe("scans and free text through the AI parser", () => {
  let replicate: FakeReplicate;
  let t: TestSystem;
  beforeAll(async () => {
    replicate = await startFakeReplicate({ token: "r8_test", webhookSecret: "whsec_dGVzdA==", output: answer, predictionMs: () => 20 });
    t = await startTestSystem({
      modelParser: { token: "r8_test", baseUrl: replicate.baseUrl, model: "test/po-reader", maxRPM: 600, maxOtherRPM: 3000 },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await replicate?.close();
  });

  const upload = async (fileName: string, content: string | Uint8Array, contentType: string, as = merchantA) => {
    const response = await t.upload(fileName, content, { contentType, as });
    expect(response.status, await response.clone().text()).toBe(202);
    return (await response.json()) as { id: string; status: string };
  };

  it("answers at once with status parsing, then the model's lines become drafts, each with its source and confidence", async () => {
    const accepted = await upload("scan.pdf", await scannedPdf(), "application/pdf");
    expect(accepted.status).toBe("parsing");
    // The model takes a while (the gateway polls every half second): the PO is there, being read.
    expect(((await (await t.api(`/purchase-orders/${accepted.id}`)).json()) as PurchaseOrderBody).status).toBe("parsing");
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${accepted.id}`, parsedWithDrafts);
    expect(po.lineItems.map((l) => [l.sku, l.title, l.quantity, l.unitCost, l.flagged])).toEqual([
      ["AB-100", "Blue ceramic mug", 4, 2.5, false],
      [null, "Oak board", 2, null, true],
    ]);
    expect(po.lineItems[0]!.source).toEqual({
      kind: "model",
      model: "test/po-reader",
      page: 1,
      snippet: "4 x AB-100 Blue ceramic mug @ 2.50",
    });
    // The model's lines are normalized and priced like a parsed file's, logged right after the parse
    // (the stage log is projected apart from the drafts).
    const logged = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${accepted.id}`, (b) =>
      b.stages.some((s) => s.stage === "apply_rules"),
    );
    expect(logged.stages.slice(0, 3).map((s) => [s.stage, s.status])).toEqual([
      ["parse", "completed"],
      ["normalize", "completed"],
      ["apply_rules", "completed"],
    ]);
    // Its calls took their tokens from the budget every Replicate caller shares.
    const shared = new SharedRateLimiter(t.database.prisma, "replicate-create", { maxPerMinute: 600 });
    expect((await shared.stats()).requestsInLastMinute).toBeGreaterThanOrEqual(1);
    // The model was shown the scan's page as an image, since image models read images, not PDFs.
    const sent = [...replicate.predictions.values()].find((p) => String(p.input.prompt).includes("page 1 of 1 of a scanned"));
    expect(sent?.model).toBe("test/po-reader");
    expect(String(sent?.input.image)).toMatch(/^data:image\/png;base64,/);
  });

  it("reads an e-mail body pasted as text", async () => {
    const { id } = await upload(
      "order.txt",
      "Hi! Please send 4 x AB-100 Blue ceramic mug @ 2.50 and two oak boards. Thanks, Kim",
      "text/plain",
    );
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, parsedWithDrafts);
    expect(po.drafts.map((d) => d.title)).toEqual(["Blue ceramic mug", "Oak board"]);
    const prompt = [...replicate.predictions.values()].map((p) => String(p.input.prompt)).find((p) => p.includes("Thanks, Kim"));
    expect(prompt).toContain("Answer with JSON only");
  });

  it("asks again once with what was wrong, and takes the corrected answer", async () => {
    const before = replicate.counts.creates;
    const { id } = await upload("wrong-first.txt", "WRONG-FIRST: 4 mugs please", "text/plain");
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, parsedWithDrafts);
    expect(po.lineItems).toHaveLength(2);
    expect(replicate.counts.creates - before).toBe(2);
    const retry = [...replicate.predictions.values()]
      .map((p) => String(p.input.prompt))
      .find((p) => p.includes("WRONG-FIRST") && p.includes("refused"));
    expect(retry).toContain("lineItems.0.quantity");
  });

  it("fails the PO with a clear reason when the answer is refused twice", async () => {
    const { id } = await upload("always-wrong.txt", "ALWAYS-WRONG: 4 mugs please", "text/plain");
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.status === "parse_failed");
    expect(po.parseErrors![0]!.message).toBe("The AI parser's answer was refused twice: the answer is not JSON");
    expect(po.drafts).toEqual([]);
    const stages = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.stages.some((s) => s.status === "failed"));
    expect(stages.stages.find((s) => s.stage === "parse")).toMatchObject({
      status: "failed",
      error: expect.stringContaining("refused twice"),
    });
  });

  it("reads one merchant's scan in its turn, not behind another merchant's backlog", async () => {
    // A 429 holds the shared budget for a moment: both merchants' work queues up behind it.
    const shared = new SharedRateLimiter(t.database.prisma, "replicate-create", { maxPerMinute: 600 });
    await shared.holdFor(3_000);
    const before = replicate.predictions.size;
    const backlog: { id: string }[] = [];
    for (let i = 0; i < 6; i++) backlog.push(await upload(`backlog-${i}.txt`, `BACKLOG ${i}: 4 mugs please`, "text/plain"));
    const single = await upload("single.txt", "SINGLE: 2 oak boards please", "text/plain", merchantB);
    for (const { id } of backlog) await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, parsedWithDrafts);
    await t.eventually<PurchaseOrderBody>(`/purchase-orders/${single.id}`, parsedWithDrafts, merchantB);
    const order = [...replicate.predictions.values()].slice(before).map((p) => String(p.input.prompt));
    expect(order).toHaveLength(7);
    expect(order.findIndex((prompt) => prompt.includes("SINGLE"))).toBeLessThanOrEqual(2);
  });

  it("reads a scan of several pages page by page, numbering the lines on and saying which page each came from", async () => {
    const before = replicate.predictions.size;
    const { id } = await upload("three-pages.pdf", await scannedPdf({ pages: 3 }), "application/pdf");
    // Every page lists AB-100: normalization merges the three into one draft, the oak boards (no SKU) stay apart.
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.drafts.length === 4 && b.lineItems.length === 6);
    const sent = [...replicate.predictions.values()].slice(before);
    expect(sent.map((p) => /page (\d) of 3/.exec(String(p.input.prompt))?.[1])).toEqual(["1", "2", "3"]);
    // Each page is its own picture: three different images were sent.
    expect(new Set(sent.map((p) => p.input.image)).size).toBe(3);
    expect(po.lineItems.map((l) => (l.source as { page?: number }).page)).toEqual([1, 1, 2, 2, 3, 3]);
  });

  it("fails a PDF with neither a text layer nor a page image, saying so", async () => {
    const { id } = await upload("drawing.pdf", await scannedPdf({ withImages: false }), "application/pdf");
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, (b) => b.status === "parse_failed");
    expect(po.parseErrors![0]!.message).toBe("The PDF has neither a text layer nor a scanned page image to read");
  });
});
