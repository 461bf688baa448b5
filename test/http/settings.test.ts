import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SETTINGS } from "../../src/domain/merchantSettings.ts";
import { merchantA, merchantB, startTestSystem, type TestSystem } from "../support/system.ts";

const settings = {
  pricing: { markup: 2.2, rounding: ".99", minimumMarginPercent: 40 },
  defaultVendor: "Acme Outdoor",
  productType: "Camping",
  tags: ["outdoor", "summer"],
  publishStatus: "ACTIVE",
  autoPublish: true,
};

describe("merchant settings over HTTP", () => {
  let t: TestSystem;
  beforeAll(async () => {
    t = await startTestSystem();
  });
  afterAll(() => t.stop());

  const request = async (method: "GET" | "PUT", options: { body?: unknown; ifMatch?: string; as?: { key: string } } = {}) => {
    const response = await t.system.app.inject({
      method,
      url: "/settings",
      headers: {
        authorization: `Bearer ${(options.as ?? merchantA).key}`,
        ...(options.ifMatch !== undefined && { "if-match": options.ifMatch }),
        ...(options.body !== undefined && { "content-type": "application/json" }),
      },
      ...(options.body !== undefined && { payload: JSON.stringify(options.body) }),
    });
    return { status: response.statusCode, etag: response.headers.etag, body: response.json() };
  };
  const streamOf = (merchantId: string) => t.system.store.readStream(`merchant-${merchantId}`).catch(() => []);

  it("answers the defaults, version 0, before the merchant saved any", async () => {
    const answer = await request("GET");
    expect(answer).toEqual({ status: 200, etag: '"0"', body: { settings: DEFAULT_SETTINGS, version: 0 } });
  });

  it("saves the settings as one event on the merchant's stream, and answers them with their new version", async () => {
    const saved = await request("PUT", { body: settings, ifMatch: '"0"' });
    expect(saved).toEqual({ status: 200, etag: '"1"', body: { settings, version: 1 } });
    expect(await request("GET")).toEqual(saved);
    const events = await streamOf(merchantA.merchantId);
    expect(events.map((e) => e.type)).toEqual(["MerchantSettingsChanged"]);
    expect(events[0]!.metadata).toMatchObject({ merchantId: merchantA.merchantId, actor: `merchant:${merchantA.merchantId}` });
  });

  it("records only what changed, and nothing when nothing did", async () => {
    const unchanged = await request("PUT", { body: settings, ifMatch: '"1"' });
    expect(unchanged).toMatchObject({ status: 200, etag: '"1"' });
    const changed = await request("PUT", { body: { ...settings, tags: ["outdoor"] } });
    expect(changed).toMatchObject({ status: 200, etag: '"2"', body: { settings: { tags: ["outdoor"] }, version: 2 } });
    const events = await streamOf(merchantA.merchantId);
    expect(events.at(-1)!.data).toEqual({ merchantId: merchantA.merchantId, changes: { tags: ["outdoor"] } });
  });

  it("refuses a save on a version someone else has moved past, with 412 and the current version", async () => {
    const stale = await request("PUT", { body: { ...settings, defaultVendor: "Someone else" }, ifMatch: '"1"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ error: "precondition_failed", revisions: { given: 1, current: 2 } });
    // Even a save that would change nothing.
    expect((await request("PUT", { body: { ...settings, tags: ["outdoor"] }, ifMatch: '"0"' })).status).toBe(412);
    expect((await request("GET")).body.settings.defaultVendor).toBe("Acme Outdoor");
    expect((await request("PUT", { body: settings, ifMatch: "three" })).body.issues).toEqual([
      { path: "headers.if-match", message: 'must be one ETag this API sent for the settings, e.g. "0"' },
    ]);
  });

  it("says which field is wrong, and records nothing", async () => {
    const before = (await streamOf(merchantA.merchantId)).length;
    const answer = await request("PUT", {
      body: { ...settings, pricing: { markup: -1, rounding: "up", minimumMarginPercent: 40 }, publishStatus: "LIVE", token: "shpat_x" },
    });
    expect(answer.status).toBe(400);
    const issues = (answer.body.issues as { path: string; message: string }[]).map((i) => `${i.path}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        "body.pricing.markup: must be more than 0",
        "body.pricing.rounding: must be one of none, .99, .95, whole",
        "body.publishStatus: must be DRAFT or ACTIVE",
      ]),
    );
    expect(issues.some((i) => i.includes("token"))).toBe(true);
    expect((await streamOf(merchantA.merchantId)).length).toBe(before);
  });

  it("keeps each merchant's settings apart", async () => {
    expect((await request("GET", { as: merchantB })).body).toEqual({ settings: DEFAULT_SETTINGS, version: 0 });
    await request("PUT", { body: { ...DEFAULT_SETTINGS, defaultVendor: "B's vendor" }, as: merchantB });
    expect((await request("GET")).body.settings.defaultVendor).toBe("Acme Outdoor");
    expect((await streamOf(merchantB.merchantId)).length).toBe(1);
  });
});
