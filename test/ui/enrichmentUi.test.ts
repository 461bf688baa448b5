import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeReplicate, type FakeReplicate } from "../../src/testing/fakeReplicate.ts";
import { accessibilityViolations, launchChromium, screenshotFolder, watchConsole } from "../support/browser.ts";
import { merchantA, startTestSystem, type TestSystem } from "../support/system.ts";

const POLL = { timeout: 10_000 };
const suggestion = { description: "A two-person tent that packs small.", tags: ["camping", "tents"], productType: "Tents" };

describe("the AI's suggestions on the review page, in a real browser", () => {
  let replicate: FakeReplicate;
  let t: TestSystem;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    replicate = await startFakeReplicate({
      token: "r8_ui",
      webhookSecret: "whsec_dGVzdA==",
      output: () => JSON.stringify(suggestion),
      predictionMs: () => 20,
    });
    t = await startTestSystem({
      enrichment: { token: "r8_ui", baseUrl: replicate.baseUrl, model: "test/writer", maxRPM: 600, maxOtherRPM: 3000 },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await replicate?.close();
  });

  it("shows the description, tags and product type the model wrote, and the reviewer edits them", async () => {
    const console_ = watchConsole(page);
    const shots = await screenshotFolder("enrichment-ui");
    const path = join(tmpdir(), `enrich-${process.pid}.csv`);
    await writeFile(path, ["SKU,Title,Qty,Unit cost", "EN-1,Trail Tent,1,10"].join("\n"));
    await page.goto(t.baseUrl);
    await page.getByLabel("Merchant API key").fill(merchantA.key);
    await page.keyboard.press("Enter");
    await page.getByLabel(/Purchase order file/).setInputFiles(path);
    await page.getByRole("button", { name: "Upload" }).click();
    const card = page.locator("li.card", { hasText: "Trail Tent" });
    await expect.poll(() => card.textContent(), POLL).toContain(suggestion.description);
    expect(await card.textContent()).toContain("camping, tents");
    await expect.poll(async () => page.getByRole("list", { name: "Stage timeline" }).textContent(), POLL).toContain("Enrich (AI)");
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(shots, "01-enriched.png"), fullPage: true });

    await page.getByRole("button", { name: "Edit Trail Tent" }).click();
    expect(await page.getByLabel("Description").inputValue()).toBe(suggestion.description);
    await page.getByLabel("Description").fill("Sleeps two; packs to the size of a loaf.");
    await page.getByLabel("Tags").fill("camping, tents, lightweight");
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => card.textContent(), POLL).toContain("Sleeps two; packs to the size of a loaf.");
    expect(await card.textContent()).toContain("camping, tents, lightweight");
    await page.screenshot({ path: join(shots, "02-edited.png"), fullPage: true });
    expect(console_.cspViolations).toEqual([]);
  });
});
