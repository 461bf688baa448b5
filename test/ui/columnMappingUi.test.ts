import { join } from "node:path";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, screenshotFolder } from "../support/browser.ts";
import { merchantA, startTestSystem, type TestSystem } from "../support/system.ts";

const POLL = { timeout: 10_000 };
// Headers no synonym knows, and the colour's text is longer than the product's: read by content, the colour becomes the title.
const file = ["Colour,Item,Count,Each", "Midnight blue glaze,Mug,4,2.50", "Forest green matte,Bowl,2,3.10"].join("\n");

describe("the column mapping in a real browser", () => {
  let t: TestSystem;
  let browser: Browser;
  let page: Page;
  let shots: string;

  beforeAll(async () => {
    t = await startTestSystem();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    shots = await screenshotFolder("column-mapping-ui");
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it("shows how the columns were read and what to check, and reads the file again with the merchant's columns", async () => {
    const path = join(tmpdir(), `unfamiliar-${process.pid}.csv`);
    await writeFile(path, file);
    await page.goto(t.baseUrl);
    await page.getByLabel("Merchant API key").fill(merchantA.key);
    await page.keyboard.press("Enter");
    await page.getByLabel(/Purchase order file/).setInputFiles(path);
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("heading", { name: "Midnight blue glaze", level: 3 }).waitFor();
    await page.getByRole("heading", { name: "Columns" }).waitFor();
    await expect.poll(() => page.locator("#parse-warnings").textContent(), POLL).toContain('Column 1 ("Colour") was taken as the title');
    expect(await page.locator("#flagged-lines li").count()).toBe(2);
    expect(await page.locator("#flagged-lines").textContent()).toContain("Midnight blue glaze | Mug | 4 | 2.50");
    // The reviewer sees it on the draft's card too.
    expect(await page.locator("li.card .to-check").count()).toBe(2);
    await page.screenshot({ path: join(shots, "01-guessed.png"), fullPage: true });

    await page.getByLabel("Title column").selectOption("2");
    await page.getByRole("button", { name: "Read the file again with these columns" }).click();
    await page.getByRole("heading", { name: "Mug", level: 3 }).waitFor(POLL);
    await page.getByRole("heading", { name: "Bowl", level: 3 }).waitFor(POLL);
    await expect.poll(() => page.locator("#columns").textContent(), POLL).toContain("chosen by you");
    expect(await page.locator("#flagged-lines").count()).toBe(0);
    expect(await page.locator("li.card .to-check").count()).toBe(0);
    await page.screenshot({ path: join(shots, "02-corrected.png"), fullPage: true });
  });
});
