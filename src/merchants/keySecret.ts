import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PrismaClient } from "../generated/prisma/client.ts";

/**
 * The secret API keys are hashed under (HMAC-SHA256). It lives outside the database — API_KEY_SECRET,
 * else a file in the data directory made on first start — so a copy of the database (a backup, an
 * auditor's psql session) cannot even test a guessed key offline.
 */
export type KeySecret = { readonly value: Buffer };

const SECRET_FILE = "api-key-secret";
const CHECK_TEXT = "po-pipeline api key secret check";

export function loadKeySecret(setting: string | undefined, dataDir: string): KeySecret {
  if (setting) return { value: Buffer.from(setting, "utf8") };
  const file = join(dataDir, SECRET_FILE);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  }
  return { value: Buffer.from(readFileSync(file, "utf8").trim(), "utf8") };
}

export const keyHash = (secret: KeySecret, key: string) => createHmac("sha256", secret.value).update(key).digest("base64url");

/**
 * Every process on one database must hash with the same secret: the first to start records a
 * fingerprint of it, the others compare theirs and refuse to start on a mismatch, saying so.
 */
export async function checkKeySecret(prisma: PrismaClient, secret: KeySecret): Promise<void> {
  const fingerprint = keyHash(secret, CHECK_TEXT);
  await prisma.apiKeySecretCheck.createMany({ data: [{ id: 1, fingerprint }], skipDuplicates: true });
  const recorded = await prisma.apiKeySecretCheck.findUniqueOrThrow({ where: { id: 1 } });
  if (recorded.fingerprint !== fingerprint) {
    throw new Error(
      "The API keys in this database were hashed under another key secret: give every process the same API_KEY_SECRET " +
        `(or the same ${SECRET_FILE} file in its DATA_DIR)`,
    );
  }
}
