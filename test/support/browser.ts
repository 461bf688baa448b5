import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Debian's chromium, headless; a missing browser is a failure that says how to install it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}. The browser tests need it: install it with "apt-get update && apt-get install -y chromium" ` +
        `(.ci/run does), or point CHROMIUM_PATH at a Chromium binary.`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** A fresh folder for a test's screenshots, under test-results/ (git-ignored). */
export async function screenshotFolder(name: string): Promise<string> {
  const folder = join(process.cwd(), "test-results", `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}`);
  await mkdir(folder, { recursive: true });
  return folder;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export type AccessibilityViolation = { rule: string; help: string; targets: string[] };

/**
 * axe-core's WCAG 2.x A/AA rules, its best practices and label-content-name-mismatch (experimental in
 * axe, and what voice control needs), run on the page as it is now. Evaluated through the DevTools
 * protocol, so the page's own CSP stays on and is tested too.
 */
export async function accessibilityViolations(page: Page): Promise<AccessibilityViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: typeof import("axe-core") }).axe;
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
      rules: { "label-content-name-mismatch": { enabled: true } },
    });
    return result.violations.map((v) => ({ rule: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(" ")) }));
  });
}

/** What a developer would see in the page's DevTools console: CSP refusals, 404s, other errors. */
export function watchConsole(page: Page) {
  const seen = { cspViolations: [] as string[], notFound: [] as string[], errors: [] as string[] };
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    if (/Content Security Policy/i.test(message.text())) seen.cspViolations.push(message.text());
    else seen.errors.push(message.text());
  });
  page.on("response", (response) => {
    if (response.status() === 404) seen.notFound.push(response.url());
  });
  return seen;
}
