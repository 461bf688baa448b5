import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { processManagers } from "../../src/processmanagers/registry.ts";
import { startFakeReplicate, type FakeReplicate } from "../../src/testing/fakeReplicate.ts";
import { jsonMutationOf } from "../support/jsonMutations.ts";
import { adminKey, merchantA, startTestSystem, type TestSystem } from "../support/system.ts";

type JsonSchema = { properties?: Record<string, JsonSchema>; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; allOf?: JsonSchema[] };
type Operation = { requestBody?: { content?: Record<string, { schema: JsonSchema }> } };
type Route = { method: string; path: string; bodySchema: JsonSchema | undefined };

/** Every property name a body schema mentions, through unions. */
const propertyNames = (schema: JsonSchema | undefined): string[] =>
  schema
    ? [
        ...Object.keys(schema.properties ?? {}),
        ...[...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])].flatMap(propertyNames),
      ]
    : [];

/** The keys of a JSON value's objects, at any depth. */
const keysOf = (value: unknown): string[] =>
  value !== null && typeof value === "object"
    ? Object.entries(value).flatMap(([key, item]) => [...(Array.isArray(value) ? [] : [key]), ...keysOf(item)])
    : [];

/** Any JSON, with strings of any code point (NUL, lone surrogates) and numbers at their extremes. */
const anyJson = fc.jsonValue({ maxDepth: 3, stringUnit: "binary" });
const plausible = fc.oneof(
  anyJson,
  fc.uuid(),
  fc.constantFrom("", " ", "\0", "\ud800", "x".repeat(5000), 0, -1, 1e308, -0, 2 ** 63, null, [], {}),
  fc.array(fc.uuid(), { maxLength: 3 }),
);

const secret = `whsec_${Buffer.from("the body properties' signing key").toString("base64")}`;

describe("JSON bodies of every route, arbitrary values", () => {
  let replicate: FakeReplicate;
  let t: TestSystem;
  let routes: Route[];
  /** Real ids of the merchant's PO, a draft with images, one of its images and an optimization job. */
  let ids: Record<string, string>;
  /** A valid body for each route that takes one, which the mutations start from. */
  let validBodies: Record<string, unknown>;

  beforeAll(async () => {
    replicate = await startFakeReplicate({ token: "r8_properties", webhookSecret: secret, predictionMs: () => 50 });
    t = await startTestSystem({
      optimization: {
        token: "r8_properties",
        baseUrl: replicate.baseUrl,
        model: "google/nano-banana",
        maxRPM: 450,
        maxOtherRPM: 600,
        webhookSecret: secret,
      },
    });
    const upload = await t.upload("acme-outdoor.csv", await readFile("samples/acme-outdoor.csv"));
    const purchaseOrderId = ((await upload.json()) as { id: string }).id;
    const review = await t.eventually<{ products: { draftId: string; images: { id: string }[] }[] }>(
      `/purchase-orders/${purchaseOrderId}/review`,
      (r) => r.products.some((p) => p.images.length > 0),
    );
    const draft = review.products.find((p) => p.images.length > 0)!;
    const job = await t.api("/optimization-jobs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "white background", draftIds: [draft.draftId] }),
    });
    ids = { purchaseOrderId, draftId: draft.draftId, imageId: draft.images[0]!.id, jobId: ((await job.json()) as { id: string }).id };
    validBodies = {
      "PATCH /drafts/{id}": { title: "Trailhead Tent, 2 person", quantity: 3, unitCost: 12.5, sku: "AO-TENT-2P" },
      "POST /drafts/{draftId}/images/{imageId}/reject": { reason: "blurry" },
      "POST /optimization-jobs": { prompt: "white background", purchaseOrderId },
      "PUT /purchase-orders/{id}/column-mapping": { sku: 1, title: 2, quantity: 3, unitCost: 4 },
      "POST /admin/merchants": { id: "merchant-properties", name: "Properties Ltd" },
      "POST /admin/merchants/{merchantId}/keys": { label: "properties" },
      "PUT /settings": {
        pricing: { markup: 2, rounding: ".99", minimumMarginPercent: 30 },
        defaultVendor: "Acme",
        productType: "Camping",
        tags: ["outdoor"],
        publishStatus: "DRAFT",
        autoPublish: false,
      },
    };

    await t.system.app.ready();
    const document = t.system.app.swagger() as { paths: Record<string, Record<string, Operation>> };
    routes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([method]) => ["post", "put", "patch", "delete"].includes(method))
        .map(([method, operation]) => ({
          method: method.toUpperCase(),
          path,
          bodySchema: operation.requestBody?.content?.["application/json"]?.schema,
        })),
    );
  });
  afterAll(async () => {
    await t?.stop();
    await replicate?.close();
  });

  const url = (path: string) =>
    path.replace(/\{(\w+)\}/g, (_match, name: string) => {
      if (name === "id") {
        if (path.startsWith("/purchase-orders")) return ids.purchaseOrderId!;
        if (path.startsWith("/drafts")) return ids.draftId!;
        if (path.startsWith("/optimization-jobs")) return ids.jobId!;
        return randomUUID();
      }
      if (name === "name") return path.includes("/processors/") ? processManagers[0]!.name : "purchase-orders";
      if (name === "merchantId") return merchantA.merchantId;
      return ids[name] ?? randomUUID();
    });

  async function send(route: Route, body: unknown) {
    const response = await t.system.app.inject({
      method: route.method as "POST",
      url: url(route.path),
      headers: {
        authorization: `Bearer ${route.path.startsWith("/admin") ? adminKey : merchantA.key}`,
        "content-type": "application/json",
      },
      payload: JSON.stringify(body) ?? "null",
    });
    return { status: response.statusCode, body: response.body ? (JSON.parse(response.body) as Record<string, unknown>) : undefined };
  }

  /** Never 5xx; a refusal says what is wrong and names the field (or the body, when the body itself is the wrong shape). */
  function expectAnsweredWell(route: Route, sent: unknown, answer: Awaited<ReturnType<typeof send>>) {
    const where = `${route.method} ${route.path} with ${JSON.stringify(sent)?.slice(0, 300)} answered ${answer.status} ${JSON.stringify(answer.body)}`;
    expect(answer.status, where).toBeLessThan(500);
    if (answer.status < 400) return;
    expect(answer.body, where).toMatchObject({ error: expect.any(String), message: expect.any(String) });
    if (answer.status !== 400 && answer.status !== 422) return;
    const issues = (answer.body!.issues ?? []) as { path: string; message: string }[];
    expect(issues.length, where).toBeGreaterThan(0);
    // A body of the wrong type is itself the field; an object's refusal names one of its fields.
    const isObject = sent !== null && typeof sent === "object" && !Array.isArray(sent);
    const fields = [...propertyNames(route.bodySchema), ...keysOf(sent)];
    const named = issues.some((issue) => issue.path !== "body" || !isObject || fields.some((field) => issue.message.includes(field)));
    expect(named, where).toBe(true);
  }

  it("routes that take a body answer any value in it, and mutations of a valid one, with 4xx naming the field, never 5xx", async () => {
    const withBody = routes.filter((route) => route.bodySchema);
    expect(withBody.map((r) => `${r.method} ${r.path}`).sort()).toEqual(Object.keys(validBodies).sort());
    for (const route of withBody) {
      const names = propertyNames(route.bodySchema);
      const shaped = fc.dictionary(fc.constantFrom(...names, "unexpected"), plausible, { maxKeys: names.length + 1 });
      const valid = validBodies[`${route.method} ${route.path}`];
      await fc.assert(
        fc.asyncProperty(fc.oneof(anyJson, shaped, jsonMutationOf(valid)), async (body) =>
          expectAnsweredWell(route, body, await send(route, body)),
        ),
        { numRuns: 120 },
      );
    }
  });

  it("routes that take no body ignore any JSON sent with them: never 5xx", async () => {
    const withoutBody = routes.filter((route) => !route.bodySchema);
    expect(withoutBody.length).toBeGreaterThan(10);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withoutBody), anyJson, async (route, body) =>
        expectAnsweredWell(route, body, await send(route, body)),
      ),
      { numRuns: 150 },
    );
  });

  it("the upload answers any file name, content type and field name with 2xx or a 4xx saying what is wrong, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: "binary", maxLength: 300 }),
          fc.string({ unit: "binary" }).map((name) => `${name}.csv`),
        ),
        fc.oneof(fc.constantFrom("text/csv", "text/plain", "application/octet-stream", ""), fc.string({ maxLength: 40 })),
        fc.oneof(fc.constant("file"), fc.string({ maxLength: 20 })),
        async (fileName, contentType, field) => {
          const answer = await t.upload(fileName, "SKU,Title,Qty\nA,Lamp,1\n", { contentType, field });
          const body = (await answer.json()) as Record<string, unknown>;
          const where = `${JSON.stringify([fileName, contentType, field])} answered ${answer.status} ${JSON.stringify(body)}`;
          expect(answer.status, where).toBeLessThan(500);
          if (answer.status >= 400) expect(body, where).toMatchObject({ error: expect.any(String), message: expect.any(String) });
        },
      ),
      { numRuns: 60 },
    );
  });

  describe("the counterexamples they found, kept", () => {
    const patchDraft: Route = { method: "PATCH", path: "/drafts/{id}", bodySchema: undefined };
    const issuesOf = (answer: Awaited<ReturnType<typeof send>>) => [
      answer.status,
      (answer.body?.issues as { path: string }[] | undefined)?.map((i) => i.path),
    ];

    it("a title with a NUL character, and a SKU with an unpaired surrogate, are 400s naming the field (they were 500s from PostgreSQL)", async () => {
      expect(issuesOf(await send(patchDraft, { title: "\u0000" }))).toEqual([400, ["body.title"]]);
      expect(issuesOf(await send(patchDraft, { sku: "\ud800" }))).toEqual([400, ["body.sku"]]);
    });

    it("a quantity or unit cost too large for the read models is a 400 naming the field (it was accepted, its projection failed, and verify answered 500 replaying it)", async () => {
      expect(issuesOf(await send(patchDraft, { unitCost: 1e12 }))).toEqual([400, ["body.unitCost"]]);
      expect(issuesOf(await send(patchDraft, { quantity: 1e308 }))).toEqual([400, ["body.quantity"]]);
      // The largest that fit get past validation (the draft may be gone by now: a 404 is past it too).
      expect((await send(patchDraft, { quantity: 9_999_999_999.9999, unitCost: 9_999_999 })).status).not.toBe(400);
    });

    it("a key label, a merchant name and a settings tag with a NUL character are 400s naming the field (the label was a 500)", async () => {
      const keys = { method: "POST", path: "/admin/merchants/{merchantId}/keys", bodySchema: undefined };
      expect(issuesOf(await send(keys, { label: "\u0000" }))).toEqual([400, ["body.label"]]);
      const merchant = { method: "POST", path: "/admin/merchants", bodySchema: undefined };
      expect(issuesOf(await send(merchant, { id: "nul-name", name: "\u0000" }))).toEqual([400, ["body.name"]]);
      const settings = { method: "PUT", path: "/settings", bodySchema: undefined };
      expect(issuesOf(await send(settings, { ...(validBodies["PUT /settings"] as object), tags: ["\ud800"] }))).toEqual([
        400,
        ["body.tags.0"],
      ]);
    });

    it("an empty optimization job names the prompt (a union answered only 'Invalid input' at body)", async () => {
      const answer = await send({ method: "POST", path: "/optimization-jobs", bodySchema: undefined }, {});
      expect(issuesOf(answer)).toEqual([400, ["body.prompt"]]);
      const both = await send(
        { method: "POST", path: "/optimization-jobs", bodySchema: undefined },
        { prompt: "x", draftIds: [ids.draftId], purchaseOrderId: ids.purchaseOrderId },
      );
      expect([both.status, both.body!.message]).toEqual([400, expect.stringContaining("either draftIds or purchaseOrderId")]);
    });

    it("a key named __proto__ is refused, naming it, rather than as 'not valid JSON' alone", async () => {
      const answer = await send(
        { method: "POST", path: "/drafts/{draftId}/images/{imageId}/reject", bodySchema: undefined },
        JSON.parse('{"reason":"blurry","__proto__":null}'),
      );
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({
        error: "invalid_json",
        issues: [{ path: "body", message: expect.stringContaining("__proto__") }],
      });
    });

    it("a file name with a NUL character is a 422 naming the file name (it was a 500 from PostgreSQL)", async () => {
      const answer = await t.upload("po\u0000.csv", "SKU,Title,Qty\nA,Lamp,1\n");
      expect([answer.status, await answer.json()]).toEqual([
        422,
        expect.objectContaining({ issues: [{ path: "file.filename", message: expect.any(String) }] }),
      ]);
    });

    it("an upload with a NUL character in a cell is a 422 with its line (it was a 500 from PostgreSQL)", async () => {
      const answer = await t.upload("nul.csv", "SKU,Title,Qty\n\u0000AO-TENT-2P,Tent,12\n");
      expect(answer.status).toBe(422);
      expect(await answer.json()).toMatchObject({ issues: [{ path: "file", line: 2, message: expect.stringContaining("NUL") }] });
    });
  });
});
