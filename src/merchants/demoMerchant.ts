import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Merchants } from "./merchants.ts";

export const DEMO_MERCHANT = "demo";
const KEY_FILE = "demo-api-key";

/**
 * The demo merchant's key for a start without API_KEYS: made once and kept in the data directory
 * (the database holds only its hash), so a restart prints the same key and a signed-in UI stays so.
 * A key revoked since is replaced by a new one.
 */
export async function demoMerchantKey(merchants: Merchants, dataDir: string): Promise<string> {
  const file = join(dataDir, KEY_FILE);
  const kept = existsSync(file) ? readFileSync(file, "utf8").trim() : undefined;
  if (kept && (await merchants.authenticate(kept)) === DEMO_MERCHANT) return kept;
  await merchants.ensure([DEMO_MERCHANT]);
  const { key } = await merchants.createKey(DEMO_MERCHANT, "demo key kept in the data directory");
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
