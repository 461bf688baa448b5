import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminKey, merchantA, merchantB, startTestSystem, type TestSystem } from "../support/system.ts";

describe("request limits per merchant, with admin and webhook calls counted apart", () => {
  let t: TestSystem;
  const limits = { merchantPerMinute: 5, concurrentUploads: 1, adminPerMinute: 3, webhookPerMinute: 2 };

  beforeAll(async () => {
    t = await startTestSystem({ limits });
  });
  afterAll(() => t.stop());

  /** An upload whose body is held open until `finish` is called: an upload in flight. */
  const heldUpload = (key: string) => {
    const boundary = "held-upload-boundary";
    const url = new URL(`${t.baseUrl}/purchase-orders`);
    const held = { finish: () => {}, answer: undefined as unknown as Promise<number> };
    held.answer = new Promise<number>((resolve, reject) => {
      const call = httpRequest(
        url,
        { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": `multipart/form-data; boundary=${boundary}` } },
        (response) => (response.resume(), resolve(response.statusCode!)),
      );
      call.on("error", reject);
      call.write(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="held.csv"\r\nContent-Type: text/csv\r\n\r\nSKU,Title,Qty\n`,
      );
      held.finish = () => call.end(`H-1,Held item,1\n\r\n--${boundary}--\r\n`);
    });
    return held;
  };

  it("answers a merchant over its rate 429 with Retry-After and a JSON message, while other merchants and the admin go on", async () => {
    for (let n = 0; n < limits.merchantPerMinute; n++) expect((await t.api("/purchase-orders", { as: merchantA })).status).toBe(200);
    const refused = await t.api("/purchase-orders", { as: merchantA });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toEqual({
      error: "rate_limited",
      message: expect.stringMatching(/^Too many requests: at most 5 a minute; retry in \d+/),
    });
    expect((await t.api("/purchase-orders", { as: merchantB })).status).toBe(200);
    expect((await t.api("/admin/processors", { as: { key: adminKey } })).status).toBe(200);
  });

  it("limits the admin key on its own count", async () => {
    // The test before spent one of the admin's 3.
    const statuses = [];
    for (let n = 0; n < limits.adminPerMinute; n++) statuses.push((await t.api("/admin/projections", { as: { key: adminKey } })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it("limits webhook calls per calling address, before their signature is looked at", async () => {
    const call = () =>
      t.api("/webhooks/replicate?job=00000000-0000-4000-8000-000000000000&item=00000000-0000-4000-8000-000000000000", { method: "POST" });
    expect((await call()).status).not.toBe(429);
    expect((await call()).status).not.toBe(429);
    expect((await call()).status).toBe(429);
  });

  it("takes one upload of a merchant at a time here, and the next once it is answered", async () => {
    const first = heldUpload(merchantB.key);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await t.upload("second.csv", "SKU,Title,Qty\nS-1,Second,1\n", { as: merchantB });
    expect(second.status).toBe(429);
    expect(second.headers.get("retry-after")).toBe("1");
    expect(((await second.json()) as { error: string }).error).toBe("too_many_uploads");
    first.finish();
    expect(await first.answer).toBe(202);
    expect((await t.upload("third.csv", "SKU,Title,Qty\nT-1,Third,1\n", { as: merchantB })).status).toBe(202);
  });
});
