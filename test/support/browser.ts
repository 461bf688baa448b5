import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";

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
