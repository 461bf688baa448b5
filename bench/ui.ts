/**
 * In Debian's chromium, on the embedded default: from pressing Upload on the page to the first
 * draft card visible, and to the first image visible. p50 over 10 uploads of the 8-line sample PO,
 * after 2 warm-up uploads.
 */
import { CatalogFeedProvider } from "../src/integrations/imageSearch/catalogFeed.ts";
import { SAMPLE_CATALOG } from "../src/integrations/imageSearch/fromConfig.ts";
import { launchChromium } from "../test/support/browser.ts";
import { benchDatabase } from "./benchDatabase.ts";
import { startBenchSystem } from "./benchSystem.ts";

const UPLOADS = 10;
const WARM_UP = 2;
const SAMPLE = "samples/acme-outdoor.csv";

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const round = (ms: number) => Math.round(ms * 10) / 10;

delete process.env.DATABASE_URL;
const database = await benchDatabase();
const app = await startBenchSystem(database, { imageSearch: await CatalogFeedProvider.load(SAMPLE_CATALOG) });
const browser = await launchChromium();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.goto(app.baseUrl);
await page.getByLabel("Merchant API key").fill(app.merchantKey);
await page.getByRole("button", { name: "Sign in" }).click();

const toFirstCard: number[] = [];
const toFirstImage: number[] = [];
for (let n = 0; n < WARM_UP + UPLOADS; n++) {
  await page.goto(`${app.baseUrl}/#/`);
  await page.getByLabel(/Purchase order file/).setInputFiles(SAMPLE);
  const pressed = performance.now();
  await page.getByRole("button", { name: "Upload" }).click();
  await page.locator("li.card").first().waitFor({ state: "visible" });
  const card = performance.now();
  await page.locator(".thumb img").first().waitFor({ state: "visible" });
  const image = performance.now();
  if (n < WARM_UP) continue;
  toFirstCard.push(card - pressed);
  toFirstImage.push(image - pressed);
}
await browser.close();
await app.stop();
await database.close();

console.log(
  JSON.stringify({
    bench: "ui",
    database: database.kind,
    uploads: UPLOADS,
    lines_per_po: 8,
    first_draft_card_p50_ms: round(median(toFirstCard)),
    first_image_p50_ms: round(median(toFirstImage)),
    first_draft_card_max_ms: round(Math.max(...toFirstCard)),
    first_image_max_ms: round(Math.max(...toFirstImage)),
  }),
);
