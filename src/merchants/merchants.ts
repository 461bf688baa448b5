import { randomBytes, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { DomainRuleViolation, NotFound } from "../errors.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { keyHash, type KeySecret } from "./keySecret.ts";

export const MerchantId = z.string().regex(/^[\w.-]{1,64}$/, "must be 1 to 64 letters, digits, '.', '_' or '-'");
export const ApiKeyId = z.string().regex(/^[0-9a-f]{12}$/, "must be an API key id as keys list shows it (12 hex digits)");

/** `pok_<id>_<secret>`: the id finds the row (and names the key in lists), the 256-bit secret is what proves it. */
const KEY_FORMAT = /^pok_([0-9a-f]{12})_[\w-]{43}$/;

export type MerchantView = { id: string; name: string; createdAt: string };
export type ApiKeyView = {
  id: string;
  merchantId: string;
  prefix: string;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
};

const merchantView = (row: { id: string; name: string; createdAt: Date }): MerchantView => ({
  id: row.id,
  name: row.name,
  createdAt: row.createdAt.toISOString(),
});
const keyView = (row: { id: string; merchantId: string; label: string | null; createdAt: Date; revokedAt: Date | null }): ApiKeyView => ({
  id: row.id,
  merchantId: row.merchantId,
  prefix: `pok_${row.id}_…`,
  label: row.label,
  createdAt: row.createdAt.toISOString(),
  revokedAt: row.revokedAt?.toISOString() ?? null,
});
const keyColumns = { id: true, merchantId: true, label: true, createdAt: true, revokedAt: true } as const;

/** The merchants and their keys: the key material leaves only once, in the answer to its creation. */
export class Merchants {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly secret: KeySecret,
  ) {}

  async create(merchant: { id: string; name?: string }): Promise<MerchantView> {
    const created = await this.prisma.merchant.createMany({
      data: [{ id: merchant.id, name: merchant.name ?? merchant.id }],
      skipDuplicates: true,
    });
    if (created.count === 0) throw new DomainRuleViolation(`Merchant ${merchant.id} already exists`);
    return merchantView(await this.prisma.merchant.findUniqueOrThrow({ where: { id: merchant.id } }));
  }

  /** The merchants API_KEYS or the demo set-up name: created if missing, left as they are otherwise. */
  async ensure(ids: string[]): Promise<void> {
    await this.prisma.merchant.createMany({ data: ids.map((id) => ({ id, name: id })), skipDuplicates: true });
  }

  async list(): Promise<MerchantView[]> {
    return (await this.prisma.merchant.findMany({ orderBy: { id: "asc" } })).map(merchantView);
  }

  async createKey(merchantId: string, label?: string): Promise<ApiKeyView & { key: string }> {
    if (!(await this.prisma.merchant.findUnique({ where: { id: merchantId } }))) throw new NotFound("Merchant", merchantId);
    const id = randomBytes(6).toString("hex");
    const key = `pok_${id}_${randomBytes(32).toString("base64url")}`;
    const row = await this.prisma.apiKey.create({ data: { id, merchantId, label, hash: keyHash(this.secret, key) }, select: keyColumns });
    return { ...keyView(row), key };
  }

  async listKeys(merchantId?: string): Promise<ApiKeyView[]> {
    const rows = await this.prisma.apiKey.findMany({
      where: { merchantId },
      select: keyColumns,
      orderBy: [{ merchantId: "asc" }, { createdAt: "asc" }],
    });
    return rows.map(keyView);
  }

  /** Takes effect at the next request in every process: each request reads its key's row. Revoking twice keeps the first time. */
  async revokeKey(id: string): Promise<ApiKeyView> {
    await this.prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    const row = await this.prisma.apiKey.findUnique({ where: { id }, select: keyColumns });
    if (!row) throw new NotFound("API key", id);
    return keyView(row);
  }

  /** The merchant a presented key belongs to, if it is a live key of this database. */
  async authenticate(presented: string): Promise<string | undefined> {
    const id = KEY_FORMAT.exec(presented)?.[1];
    if (!id) return undefined;
    const row = await this.prisma.apiKey.findUnique({ where: { id }, select: { merchantId: true, hash: true, revokedAt: true } });
    if (!row || row.revokedAt) return undefined;
    const expected = Buffer.from(row.hash);
    const given = Buffer.from(keyHash(this.secret, presented));
    return expected.length === given.length && timingSafeEqual(expected, given) ? row.merchantId : undefined;
  }
}
