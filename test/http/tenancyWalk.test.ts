import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeReplicate, type FakeReplicate } from "../../src/testing/fakeReplicate.ts";
import { adminKey, merchantA, merchantB, startTestSystem, type TestSystem } from "../support/system.ts";

type Operation = { method: string; path: string };
type PurchaseOrder = { status: string; drafts: { id: string; images: { id: string }[] }[] };

const secret = `whsec_${Buffer.from("the tenancy walk's signing key!!").toString("base64")}`;
const token = "r8_tenancy_walk";

/**
 * Acceptance: every route the OpenAPI document lists, tried from outside — without a key, with a
 * revoked key, with a merchant's key on the admin routes, and with merchant A's key on merchant B's
 * ids. Never B's data, never a 5xx.
 */
describe("every documented route, tried as the wrong caller", () => {
  let replicate: FakeReplicate;
  let t: TestSystem;
  let operations: Operation[];
  let revokedKey: string;
  /** Merchant B's ids, by the name a route's parameter has. */
  let theirs: { purchaseOrderId: string; draftId: string; imageId: string; jobId: string; keyId: string };

  /** The body a route needs to get past validation to its ownership check: a wrong body would only prove the validation. */
  const bodies: Record<string, () => unknown> = {
    "PATCH /drafts/{id}": () => ({ title: "Taken over" }),
    "POST /optimization-jobs": () => ({ prompt: "remove the background", purchaseOrderId: theirs.purchaseOrderId }),
    "POST /drafts/{draftId}/images/{imageId}/reject": () => ({ reason: "not theirs to reject" }),
    "PUT /purchase-orders/{id}/column-mapping": () => ({ sku: 1, title: 2, quantity: 3 }),
    "PUT /settings": () => ({
      pricing: null,
      defaultVendor: "Taken over",
      productType: null,
      tags: [],
      publishStatus: "ACTIVE",
      autoPublish: true,
    }),
  };
  /** Routes without an id in the path that answer a merchant with its own data. */
  const ownDataRoutes = new Set(["GET /purchase-orders", "POST /purchase-orders", "GET /settings", "PUT /settings"]);

  const concrete = ({ path }: Operation) =>
    path
      .replace(/^\/optimization-jobs\/\{id\}/, `/optimization-jobs/${theirs.jobId}`)
      .replace(/^\/drafts\/\{id\}/, `/drafts/${theirs.draftId}`)
      .replace("{id}", theirs.purchaseOrderId)
      .replace("{purchaseOrderId}", theirs.purchaseOrderId)
      .replace("{draftId}", theirs.draftId)
      .replace("{imageId}", theirs.imageId)
      .replace("{keyId}", theirs.keyId)
      .replace("{merchantId}", merchantB.merchantId)
      .replace("{name}", "read-models");

  const call = async (operation: Operation, key: string | undefined) => {
    const name = `${operation.method} ${operation.path}`;
    const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
    const body = bodies[name]?.();
    if (body !== undefined) headers["content-type"] = "application/json";
    const form = operation.path === "/purchase-orders" && operation.method === "POST" ? uploadForm() : undefined;
    const response = await fetch(`${t.baseUrl}${concrete(operation)}`, {
      method: operation.method,
      headers,
      body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
      // The progress stream would stay open if it ever answered with data.
      signal: AbortSignal.timeout(10_000),
    });
    const sent = `${concrete(operation)} ${body === undefined ? "" : JSON.stringify(body)}`;
    return { name, status: response.status, text: await response.text(), sent };
  };
  const uploadForm = () => {
    const form = new FormData();
    form.append("file", new Blob(["SKU,Title,Qty\nW-1,Walk item,1\n"], { type: "text/csv" }), "walk.csv");
    return form;
  };
  /** B's ids in an answer, other than those the caller sent itself (a 404 may name the id it did not find). */
  const showsTheirs = ({ text, sent }: { text: string; sent: string }) =>
    [theirs.purchaseOrderId, theirs.draftId, theirs.imageId, theirs.jobId, merchantB.merchantId].filter(
      (id) => text.includes(id) && !sent.includes(id),
    );

  beforeAll(async () => {
    replicate = await startFakeReplicate({ token, webhookSecret: secret, predictionMs: () => 100 });
    t = await startTestSystem({
      optimization: {
        token,
        baseUrl: replicate.baseUrl,
        model: "google/nano-banana",
        maxRPM: 450,
        maxOtherRPM: 600,
        webhookSecret: secret,
      },
    });
    const asAdmin = { as: { key: adminKey } };
    const asB = { as: merchantB };
    const { id } = (await (await t.upload("acme.csv", await readFile("samples/acme-outdoor.csv"), asB)).json()) as { id: string };
    const po = await t.eventually<PurchaseOrder>(`/purchase-orders/${id}`, (b) => b.status === "complete", merchantB);
    await t.eventually<{ status: string }>(`/purchase-orders/${id}/review`, (r) => r.status === "open", merchantB);
    expect((await t.api(`/purchase-orders/${id}/review/approve-remaining`, { method: "POST", ...asB })).status).toBe(200);
    const job = await t.api("/optimization-jobs", {
      method: "POST",
      ...asB,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: "white background", purchaseOrderId: id }),
    });
    expect(job.status).toBe(202);
    const jobId = ((await job.json()) as { id: string }).id;
    // Finished, so nothing of B's is still in flight with Replicate when the system stops.
    await t.eventually<{ status: string }>(`/optimization-jobs/${jobId}`, (j) => j.status === "completed", merchantB);
    const draft = po.drafts.find((d) => d.images.length > 0)!;
    const bKey = (await (await t.api(`/admin/merchants/${merchantB.merchantId}/keys`, { method: "POST", ...asAdmin })).json()) as {
      id: string;
    };
    theirs = {
      purchaseOrderId: id,
      draftId: draft.id,
      imageId: draft.images[0]!.id,
      jobId,
      keyId: bKey.id,
    };

    const aKey = (await (await t.api(`/admin/merchants/${merchantA.merchantId}/keys`, { method: "POST", ...asAdmin })).json()) as {
      id: string;
      key: string;
    };
    expect((await t.api("/purchase-orders", { as: aKey })).status).toBe(200);
    expect((await t.api(`/admin/keys/${aKey.id}/revoke`, { method: "POST", ...asAdmin })).status).toBe(200);
    revokedKey = aKey.key;

    const document = t.system.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })),
    );
  }, 60_000);
  afterAll(async () => {
    await t.stop();
    await replicate.close();
  });

  it("documents the merchant, review, optimization and admin routes it walks", () => {
    const names = operations.map((o) => `${o.method} ${o.path}`);
    expect(names).toEqual(
      expect.arrayContaining([
        "POST /purchase-orders",
        "GET /purchase-orders/{id}/events",
        "PATCH /drafts/{id}",
        "POST /optimization-jobs/{id}/cancel",
        "POST /admin/keys/{keyId}/revoke",
        "GET /admin/rate-limiter",
      ]),
    );
    expect(names.length).toBeGreaterThan(25);
  });

  it("answers 401 without a key and with a revoked key, on every route", async () => {
    for (const operation of operations) {
      for (const key of [undefined, revokedKey]) {
        const answer = await call(operation, key);
        const { name, status } = answer;
        expect({ name, key: key ? "revoked" : "none", status }).toEqual({ name, key: key ? "revoked" : "none", status: 401 });
        expect(showsTheirs(answer)).toEqual([]);
      }
    }
  });

  it("answers 401 to a merchant's key on every admin route", async () => {
    for (const operation of operations.filter((o) => o.path.startsWith("/admin/"))) {
      const answer = await call(operation, merchantA.key);
      expect({ name: answer.name, status: answer.status }).toEqual({ name: answer.name, status: 401 });
      expect(showsTheirs(answer)).toEqual([]);
    }
  });

  it("answers 404 to merchant A on merchant B's ids, and shows A only its own data elsewhere: never B's data, never a 5xx", async () => {
    for (const operation of operations.filter((o) => !o.path.startsWith("/admin/"))) {
      const answer = await call(operation, merchantA.key);
      const { name, status, text } = answer;
      expect(showsTheirs(answer), name).toEqual([]);
      if (ownDataRoutes.has(name)) expect({ name, status: status < 300 }).toEqual({ name, status: true });
      else expect({ name, status, text }).toEqual({ name, status: 404, text: expect.stringContaining('"error":"not_found"') });
    }
  });
});
