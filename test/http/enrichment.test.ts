import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SharedRateLimiter } from "../../src/optimization/rateLimiter.ts";
import { startFakeReplicate, type FakeReplicate } from "../../src/testing/fakeReplicate.ts";
import { merchantB, startTestSystem, type TestSystem } from "../support/system.ts";

type Draft = { id: string; title: string; description: string | null; tags: string[]; productType: string | null };
type PurchaseOrderBody = {
  drafts: Draft[];
  stages: { stage: string; subjectId: string | null; status: string; error: string | null; reason: string | null }[];
};

const titleIn = (prompt: string) => /Product title: (.*)/.exec(prompt)?.[1] ?? "";

/** The fake model writes by the product's title: each test's line names its own behaviour. */
function write(input: Record<string, unknown>): unknown {
  const prompt = String(input.prompt);
  const title = titleIn(prompt);
  if (title.startsWith("Always wrong")) return "Sorry, I cannot help.";
  if (title.startsWith("Wrong first") && !prompt.includes("previous answer was refused")) return '{"description":"","tags":"camping"}';
  const answer = JSON.stringify({
    description: `${title}, described.`,
    tags: ["camping", title.toLowerCase().split(" ")[0]],
    productType: "Gear",
  });
  // A language model streams its answer in pieces, fenced as often as not.
  return ["```json\n", answer.slice(0, 12), answer.slice(12), "\n```"];
}

describe("AI enrichment of drafts", () => {
  let replicate: FakeReplicate;
  let t: TestSystem;
  beforeAll(async () => {
    replicate = await startFakeReplicate({
      token: "r8_enrich",
      webhookSecret: "whsec_dGVzdA==",
      output: write,
      // Long enough for a deletion to land while the model writes.
      predictionMs: (input) => (titleIn(String(input.prompt)).startsWith("Deleted") ? 1_500 : 20),
    });
    t = await startTestSystem({
      enrichment: { token: "r8_enrich", baseUrl: replicate.baseUrl, model: "test/writer", maxRPM: 600, maxOtherRPM: 3000 },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await replicate?.close();
  });

  const upload = async (lines: string[], as?: { key: string }) => {
    const response = await t.upload("enrich.csv", ["SKU,Title,Qty,Cost", ...lines].join("\n"), { as });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  const enrichStage = (po: PurchaseOrderBody, draftId: string) => po.stages.find((s) => s.stage === "enrich" && s.subjectId === draftId);
  const finished = (count: number) => (po: PurchaseOrderBody) =>
    po.stages.filter((s) => s.stage === "enrich" && ["completed", "failed", "skipped"].includes(s.status)).length === count;

  it("writes each draft's description, tags and product type, through the real client and the shared Replicate budget", async () => {
    const id = await upload(["EN-1,Trail Tent,1,10", "EN-2,Wrong first stove,1,5"]);
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, finished(2));
    expect(po.drafts.map(({ title, description, tags, productType }) => ({ title, description, tags, productType }))).toEqual([
      { title: "Trail Tent", description: "Trail Tent, described.", tags: ["camping", "trail"], productType: "Gear" },
      // Its first answer was refused; asked again with why, its second passed.
      { title: "Wrong first stove", description: "Wrong first stove, described.", tags: ["camping", "wrong"], productType: "Gear" },
    ]);
    const prompts = [...replicate.predictions.values()].filter((p) => p.model === "test/writer").map((p) => String(p.input.prompt));
    expect(
      prompts.filter((p) => p.includes("Wrong first stove") && p.includes("previous answer was refused: description: must not be empty")),
    ).toHaveLength(1);
    const shared = new SharedRateLimiter(t.database.prisma, "replicate-create", { maxPerMinute: 600 });
    expect((await shared.stats()).requestsInLastMinute).toBeGreaterThanOrEqual(3);
    const events = await t.system.store.readStream(`draft-${po.drafts[0]!.id}`);
    expect(events.filter((e) => e.type === "DraftEnriched")).toHaveLength(1);
  });

  it("fails the stage with the reason when the answer is refused twice, and writes nothing on the draft", async () => {
    const id = await upload(["EN-3,Always wrong lamp,1,10"]);
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, finished(1));
    expect(enrichStage(po, po.drafts[0]!.id)).toMatchObject({
      status: "failed",
      error: "The AI model's answer was refused twice: the answer is not JSON",
    });
    expect(po.drafts[0]).toMatchObject({ description: null, tags: [], productType: null });
  });

  it("never enriches a draft deleted while the model was writing", async () => {
    const id = await upload(["EN-4,Deleted dome tent,1,10"]);
    // The model has the draft: the deletion lands while it writes.
    await new Promise<void>((resolve) => replicate.onCreate.push((p) => void (p.model === "test/writer" && resolve())));
    const draftId = ((await (await t.api(`/purchase-orders/${id}`)).json()) as PurchaseOrderBody).drafts[0]!.id;
    expect((await t.api(`/drafts/${draftId}`, { method: "DELETE" })).status).toBe(204);
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, finished(1));
    expect(enrichStage(po, draftId)).toMatchObject({ status: "skipped", reason: "draft deleted during its enrichment" });
    const events = await t.system.store.readStream(`draft-${draftId}`);
    expect(events.map((e) => e.type)).not.toContain("DraftEnriched");
  });

  it("lets the reviewer edit what the model wrote", async () => {
    const id = await upload(["EN-5,Camp Chair,1,10"]);
    const po = await t.eventually<PurchaseOrderBody>(`/purchase-orders/${id}`, finished(1));
    const draft = po.drafts[0]!;
    const edited = await t.api(`/drafts/${draft.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ description: "A folding chair.", tags: ["chairs"], productType: "Furniture" }),
    });
    expect(edited.status).toBe(200);
    expect(await edited.json()).toMatchObject({ description: "A folding chair.", tags: ["chairs"], productType: "Furniture" });
    const refused = await t.api(`/drafts/${draft.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tags: ["a,b"] }),
    });
    expect(((await refused.json()) as { issues: { path: string; message: string }[] }).issues).toEqual([
      { path: "body.tags.0", message: "must not contain a comma" },
    ]);
  });

  it("writes one merchant's single draft in its turn, not behind another merchant's backlog", async () => {
    // A 429 holds the budget every Replicate caller shares: both merchants' drafts queue up behind it.
    const shared = new SharedRateLimiter(t.database.prisma, "replicate-create", { maxPerMinute: 600 });
    await shared.holdFor(3_000);
    const before = replicate.predictions.size;
    const backlog = await upload(Array.from({ length: 6 }, (_, i) => `BL-${i},Backlog item ${i},1,1`));
    const single = await upload(["SG-1,Single item,1,1"], merchantB);
    await t.eventually<PurchaseOrderBody>(`/purchase-orders/${backlog}`, finished(6));
    await t.eventually<PurchaseOrderBody>(`/purchase-orders/${single}`, finished(1), merchantB);
    const order = [...replicate.predictions.values()].slice(before).map((p) => titleIn(String(p.input.prompt)));
    expect(order).toHaveLength(7);
    expect(order.indexOf("Single item")).toBeLessThanOrEqual(2);
  });
});
