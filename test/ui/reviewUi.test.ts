import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityViolations, launchChromium, screenshotFolder, watchConsole } from "../support/browser.ts";
import { startFakeShopify, type FakeShopify } from "../../src/testing/fakeShopify.ts";
import { merchantA, startTestSystem, type TestSystem } from "../support/system.ts";

const tent = "Trailhead Tent, 2 person";
const stove = "Pocket Camp Stove";
const headlamp = "Summit Headlamp 300 lumen";
/** A loaded CI machine can take a while to render; the default second is too short to be fair. */
const POLL = { timeout: 10_000 };

describe("the review UI in a real browser", () => {
  let t: TestSystem;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let step = 0;
  let console_: ReturnType<typeof watchConsole>;
  let shopify: FakeShopify;
  const shop = { domain: "ui.myshopify.com", token: "shpat_ui" };
  /** axe-core on the page as the reviewer sees it now: every page and state of the UI passes it. */
  const expectAccessible = async () => expect(await accessibilityViolations(page)).toEqual([]);
  const screenshot = (name: string) =>
    page.screenshot({ path: join(shots, `${String(++step).padStart(2, "0")}-${name}.png`), fullPage: true });

  beforeAll(async () => {
    // The store already sells the headlamp: its draft is matched by SKU.
    shopify = await startFakeShopify({
      shops: [shop],
      catalogue: [{ shop: shop.domain, title: "Headlamp 300", variants: [{ sku: "AO-LAMP-300", price: "29.00" }] }],
    });
    t = await startTestSystem({
      shopify: {
        stores: [{ merchantId: merchantA.merchantId, shop: shop.domain, accessToken: shop.token }],
        apiVersion: "2026-10",
        apiUrl: shopify.url,
      },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    console_ = watchConsole(page);
    shots = await screenshotFolder("review-ui");
    console.log(`review UI screenshots: ${shots}`);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await shopify?.close();
  });

  it("signs in with the merchant's key, refusing a wrong one", async () => {
    await page.goto(t.baseUrl);
    await page.getByLabel("Merchant API key").waitFor();
    await expectAccessible();
    await page.getByLabel("Merchant API key").fill("not-a-key-at-all");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That key was not accepted").waitFor();
    await expectAccessible();
    await page.getByLabel("Merchant API key").fill(merchantA.key);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Purchase orders", exact: true }).waitFor();
    await page.getByText("No purchase orders yet").waitFor();
    await expectAccessible();
    await screenshot("signed-in");
  });

  it("uploads a PO from the page and shows drafts, then images, as they arrive", async () => {
    await page.getByLabel(/Purchase order file/).setInputFiles("samples/acme-outdoor.csv");
    await page.getByRole("button", { name: "Upload" }).click();
    await page.waitForURL(/#\/po\/[0-9a-f-]{36}$/);
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    await page.getByRole("heading", { name: tent, level: 3 }).waitFor();
    await screenshot("drafts");
    await page.getByRole("img", { name: `${tent}, candidate image 1` }).waitFor();
    expect(await page.locator("li.card").count()).toBe(8);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await expectAccessible();
    await screenshot("images");
  });

  it("approves one image and makes another primary", async () => {
    const approve = page.getByRole("button", { name: `Approve image 1 of ${tent}` });
    await approve.click();
    await expect.poll(() => approve.getAttribute("aria-pressed"), POLL).toBe("true");
    const primary = page.getByRole("button", { name: `Make primary: image 2 of ${tent}` });
    await primary.click();
    await expect.poll(() => primary.getAttribute("aria-pressed"), POLL).toBe("true");
    await screenshot("approved-and-primary");

    const id = page.url().split("/").at(-1)!;
    const review = (await (await t.api(`/purchase-orders/${id}/review`)).json()) as {
      products: { title: string; images: { decision: string; isPrimary: boolean }[] }[];
    };
    const images = review.products.find((p) => p.title === tent)!.images;
    expect(images.map((i) => [i.decision, i.isPrimary])).toEqual([
      ["approved", false],
      ["approved", true],
    ]);
  });

  it("works from the keyboard: rejecting an image with Enter", async () => {
    const reject = page.getByRole("button", { name: `Reject image 1 of ${tent}` });
    await reject.focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => reject.getAttribute("aria-pressed"), POLL).toBe("true");
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute("aria-label")), POLL)
      .toBe(`Reject image 1 of ${tent}`);
  });

  it("edits a draft and deletes another", async () => {
    await page.getByRole("button", { name: `Edit ${tent}` }).click();
    await page.getByLabel("Quantity", { exact: true }).waitFor();
    await expectAccessible();
    await page.getByLabel("Quantity", { exact: true }).fill("14");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("heading", { name: tent, level: 3 }).waitFor();
    await expect.poll(() => page.locator("li.card", { hasText: tent }).locator("dd").nth(1).textContent(), POLL).toBe("14");

    await page.getByRole("button", { name: `Delete ${stove}` }).click();
    await page.getByRole("button", { name: "Yes, delete" }).waitFor();
    await expectAccessible();
    await page.getByRole("button", { name: "Yes, delete" }).click();
    await expect.poll(() => page.getByRole("heading", { name: stove, level: 3 }).count(), POLL).toBe(0);
    await screenshot("edited-and-deleted");
    const id = page.url().split("/").at(-1)!;
    const po = (await (await t.api(`/purchase-orders/${id}`)).json()) as { drafts: { title: string; quantity: number }[] };
    expect(po.drafts.map((d) => d.title)).not.toContain(stove);
    expect(po.drafts.find((d) => d.title === tent)!.quantity).toBe(14);
  });

  it("shows the stage timeline", async () => {
    const timeline = page.getByRole("list", { name: "Stage timeline" });
    await expect
      .poll(() => timeline.textContent(), POLL)
      .toMatch(/Parse\s*completed.*Create drafts\s*completed.*Attach images\s*completed.*Open review\s*completed/s);
    await screenshot("timeline");
  });

  it("shows a draft's match in the store, and the reviewer refuses it with its button", async () => {
    const card = page.locator("li.card", { hasText: headlamp });
    await expect
      .poll(() => card.locator(".match").textContent(), POLL)
      .toMatch(/In your store:\s*Headlamp 300\s*\(same SKU, 100% sure\)\.\s*Publishing updates this product/);
    await expectAccessible();
    await page.getByRole("button", { name: `It is a new product: refuse the match of ${headlamp}` }).click();
    await expect.poll(() => card.locator(".match").textContent(), POLL).toContain("Refused. Publishing creates a new product.");
    await screenshot("match-refused");
  });

  it("publishes the PO to Shopify with its button, and shows each draft's publish state", async () => {
    const card = page.locator("li.card", { hasText: tent });
    await expect.poll(() => card.locator(".publication .badge").textContent(), POLL).toBe("Not published");
    await page.getByRole("button", { name: "Publish to Shopify" }).click();
    await expect.poll(() => page.locator("#publish-status").textContent(), POLL).toBe("7 of 7 drafts published");
    await expect.poll(() => card.locator(".publication .badge").textContent(), POLL).toBe("Published");
    // Seven products of its own, the refused match's included; the store's headlamp is left as it was.
    expect(shopify.stats(shop.domain).created).toBe(7);
    expect(shopify.products().find((p) => p.title === "Headlamp 300")).toMatchObject({ writes: 0 });
    await expectAccessible();
    await screenshot("published");
  });

  it("is readable at 375 px wide, with a label on every control", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await page.getByRole("img", { name: `${tent}, candidate image 1` }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const unlabelled = await page.evaluate(
      () =>
        Array.from(document.querySelectorAll("button, input")).filter((el) => {
          const labelled =
            el.getAttribute("aria-label") || (el as HTMLInputElement).labels?.length || (el.tagName === "BUTTON" && el.textContent?.trim());
          return !labelled;
        }).length,
    );
    expect(unlabelled).toBe(0);
    await screenshot("mobile");
  });

  it("lists the PO it uploaded, as accessible as every other page", async () => {
    await page.getByRole("link", { name: "All purchase orders" }).click();
    await page.getByRole("link", { name: "acme-outdoor.csv" }).waitFor();
    await expectAccessible();
    await screenshot("list-with-po");
  });

  it("is served with security headers and a strict content security policy", async () => {
    const response = await fetch(t.baseUrl);
    const csp = response.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
    const icon = await fetch(`${t.baseUrl}/favicon.ico`);
    expect([icon.status, icon.headers.get("content-type")]).toEqual([200, "image/svg+xml"]);
  });

  it("left nothing in the browser's console: no CSP refusal, no 404, no error but the refused key's 401", () => {
    expect(console_.cspViolations).toEqual([]);
    expect(console_.notFound).toEqual([]);
    expect(console_.errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    expect(console_.errors).toHaveLength(1);
  });

  it("serves the API docs under their own policy (inline styles only), with nothing refused and no 404", async () => {
    const docs = await browser.newPage();
    const seen = watchConsole(docs);
    const response = await docs.goto(`${t.baseUrl}/docs/`);
    expect(response!.headers()["content-security-policy"]).toContain("style-src 'self' 'unsafe-inline'");
    expect(response!.headers()["content-security-policy"]).toContain("script-src 'self';");
    await docs.locator(".opblock").first().waitFor();
    expect(seen).toEqual({ cspViolations: [], notFound: [], errors: [] });
    await docs.close();
  });
});
