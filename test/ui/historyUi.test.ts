import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityViolations, launchChromium, screenshotFolder, watchConsole } from "../support/browser.ts";
import { merchantA, startTestSystem, type TestSystem } from "../support/system.ts";

const tent = "Trailhead Tent, 2 person";
const POLL = { timeout: 10_000 };

describe("the PO page's history tab in a real browser", () => {
  let t: TestSystem;
  let browser: Browser;
  let page: Page;
  let shots: string;
  let console_: ReturnType<typeof watchConsole>;
  const expectAccessible = async () => expect(await accessibilityViolations(page)).toEqual([]);

  beforeAll(async () => {
    t = await startTestSystem();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    console_ = watchConsole(page);
    shots = await screenshotFolder("history-ui");
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it("shows who did what when on the PO and each draft, with what it changed, and follows causes", async () => {
    await page.goto(t.baseUrl);
    await page.getByLabel("Merchant API key").fill(merchantA.key);
    await page.keyboard.press("Enter");
    await page.getByLabel(/Purchase order file/).setInputFiles("samples/acme-outdoor.csv");
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("heading", { name: tent, level: 3 }).waitFor(POLL);
    await page.getByRole("img", { name: `${tent}, candidate image 1` }).waitFor(POLL);
    await page.getByRole("button", { name: `Approve image 1 of ${tent}` }).click();
    await expect
      .poll(() => page.getByRole("button", { name: `Approve image 1 of ${tent}` }).getAttribute("aria-pressed"), POLL)
      .toBe("true");

    // The tabs follow the ARIA pattern: the arrow key moves to the history.
    await page.getByRole("tab", { name: "Drafts and review" }).focus();
    await page.keyboard.press("ArrowRight");
    expect(await page.getByRole("tab", { name: "History" }).getAttribute("aria-selected")).toBe("true");
    expect(await page.getByRole("heading", { name: "Image review" }).isVisible()).toBe(false);
    const history = page.getByRole("list", { name: "What happened, oldest first" });
    await history.waitFor(POLL);
    const approval = history.locator("li.history-entry", { hasText: `ImageApproved on Draft “${tent}”` });
    await expect.poll(() => approval.count(), POLL).toBe(1);
    expect(await approval.textContent()).toContain("by you (merchant-a)");
    expect(await approval.getByRole("list", { name: "What it changed" }).textContent()).toContain(
      'images[0].decision: "pending" → "approved"',
    );
    expect(await history.locator("li.history-entry > p > strong", { hasText: /^StageStarted$/ }).count()).toBe(0);
    await expectAccessible();
    await page.screenshot({ path: join(shots, "01-history.png"), fullPage: true });

    // From a search result to the event that asked for it, on the PO's stream.
    const search = history.locator("li.history-entry", { hasText: `ImageSearchCompleted on Draft “${tent}”` });
    await search.getByRole("button", { name: "DraftsCreated on Purchase order" }).click();
    const cause = history.locator("li.history-entry", { hasText: "DraftsCreated on Purchase order" }).first();
    await expect.poll(() => cause.evaluate((el) => el === document.activeElement), POLL).toBe(true);
    expect(await cause.getByRole("button", { name: `ImageSearchCompleted on Draft “${tent}”` }).count()).toBe(1);

    await page.getByLabel("Include the stage log").check();
    await expect
      .poll(() => history.locator("li.history-entry > p > strong", { hasText: /^StageStarted$/ }).count(), POLL)
      .toBeGreaterThan(0);
    await expectAccessible();
    await page.screenshot({ path: join(shots, "02-with-stage-log.png"), fullPage: true });
    expect(console_).toEqual({ cspViolations: [], notFound: [], errors: [] });
  });
});
