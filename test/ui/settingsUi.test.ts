import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessibilityViolations, launchChromium, screenshotFolder, watchConsole } from "../support/browser.ts";
import { merchantA, startTestSystem, type TestSystem } from "../support/system.ts";

const POLL = { timeout: 10_000 };

describe("the settings page in a real browser", () => {
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
    page.setDefaultTimeout(5_000);
    console_ = watchConsole(page);
    shots = await screenshotFolder("settings-ui");
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  const savedSettings = async () => ((await (await t.api("/settings")).json()) as { settings: Record<string, unknown> }).settings;

  it("shows the defaults, refuses a wrong value next to its field, and saves the corrected settings", async () => {
    await page.goto(t.baseUrl);
    await page.getByLabel("Merchant API key").fill(merchantA.key);
    await page.keyboard.press("Enter");
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    expect(await page.getByLabel(/^Markup/).inputValue()).toBe("");
    expect(await page.getByRole("radio", { name: /Draft/ }).isChecked()).toBe(true);
    await expectAccessible();

    await page.getByLabel(/^Markup/).fill("0");
    await page.getByLabel("Rounding").selectOption(".99");
    await page.getByLabel("Minimum margin (%)").fill("30");
    await page.getByLabel("Default vendor").fill("Acme Outdoor");
    await page.getByLabel("Tags").fill("outdoor, summer");
    await page.getByRole("radio", { name: /Active/ }).check();
    await page.getByLabel(/Publish approved products/).check();
    await page.getByRole("button", { name: "Save settings" }).click();
    await expect.poll(() => page.locator("#settings-markup-error").textContent(), POLL).toBe("must be more than 0");
    expect(await page.getByLabel(/^Markup/).getAttribute("aria-invalid")).toBe("true");
    expect((await savedSettings()).defaultVendor).toBeNull();
    await expectAccessible();
    await page.screenshot({ path: join(shots, "01-refused.png"), fullPage: true });

    await page.getByLabel(/^Markup/).fill("2.5");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Settings saved.").waitFor(POLL);
    expect(await page.locator("#settings-markup-error").textContent()).toBe("");
    expect(await savedSettings()).toEqual({
      pricing: { markup: 2.5, rounding: ".99", minimumMarginPercent: 30 },
      defaultVendor: "Acme Outdoor",
      productType: null,
      tags: ["outdoor", "summer"],
      publishStatus: "ACTIVE",
      autoPublish: true,
    });
    await expectAccessible();
    await page.screenshot({ path: join(shots, "02-saved.png"), fullPage: true });
  });

  it("says so when the settings were saved elsewhere meanwhile, instead of overwriting them", async () => {
    await page.reload();
    await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
    expect(await page.getByLabel("Default vendor").inputValue()).toBe("Acme Outdoor");
    const elsewhere = { ...(await savedSettings()), defaultVendor: "Saved elsewhere" };
    const put = await t.api("/settings", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(elsewhere),
    });
    expect(put.status).toBe(200);
    await page.getByLabel("Product type").fill("Camping");
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("These settings were changed elsewhere").waitFor(POLL);
    expect((await savedSettings()).defaultVendor).toBe("Saved elsewhere");
    expect((await savedSettings()).productType).toBeNull();
    await expectAccessible();
    expect(console_.cspViolations).toEqual([]);
  });

  it("shows a new PO's drafts priced by the saved rule, merged lines and the normalize and rules stages", async () => {
    const path = join(tmpdir(), `duplicate-skus-${process.pid}.csv`);
    await writeFile(path, ["SKU,Title,Qty,Unit cost", "AO-FLOUR,STONE-GROUND FLOUR 1KG,2,3.00", "AO-FLOUR,Flour,3,3.00"].join("\n"));
    await page.getByRole("link", { name: "po-pipeline" }).click();
    await page.getByLabel(/Purchase order file/).setInputFiles(path);
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("heading", { name: "Stone-Ground Flour 1 kg", level: 3 }).waitFor(POLL);
    const card = page.locator("li.card", { hasText: "Stone-Ground Flour 1 kg" });
    // 3.00 × 2.5 = 7.50, up to 7.99; the quantities 2 and 3 added up.
    await expect.poll(() => card.textContent(), POLL).toContain("$7.99");
    expect(await card.textContent()).toContain("Merged from line 2 (2), line 3 (3)");
    const timeline = page.getByRole("list", { name: "Stage timeline" });
    expect(await timeline.textContent()).toContain("Normalize");
    expect(await timeline.textContent()).toContain("Apply merchant rules");
    await expectAccessible();
    await page.screenshot({ path: join(shots, "03-priced-drafts.png"), fullPage: true });

    await page.getByRole("button", { name: "Edit Stone-Ground Flour 1 kg" }).click();
    await page.getByLabel("Retail price").fill("8.49");
    await page.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => card.textContent(), POLL).toContain("$8.49");
    expect(console_.cspViolations).toEqual([]);
  });
});
