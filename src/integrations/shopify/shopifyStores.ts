import { z } from "zod";
import type { GcraSettings } from "../../optimization/gcra.ts";
import type { RateLimiter } from "../../optimization/rateLimiter.ts";
import { SHOPIFY_BUCKET, ShopifyShop } from "./shopifyGateway.ts";

/** A merchant's store: its myshopify domain and Admin API access token, from configuration only. */
export type ShopifyStore = { merchantId: string; shop: string; accessToken: string };

const Entry = z.tuple([
  z.string().min(1, "the merchant id is empty"),
  z.string().regex(/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/, "the shop must be <name>.myshopify.com"),
  z.string().min(1, "the access token is empty"),
]);

/** `merchantId:shop.myshopify.com:token,…` (SHOPIFY_STORES); a bad entry names its place, never its token. */
export function parseShopifyStores(text: string | undefined): ShopifyStore[] {
  if (!text?.trim()) return [];
  return text.split(",").map((raw, index) => {
    const parts = raw.trim().split(":");
    const [merchantId, shop, ...token] = parts;
    const parsed = Entry.safeParse([merchantId ?? "", shop ?? "", token.join(":")]);
    if (!parsed.success) throw new Error(`SHOPIFY_STORES entry ${index + 1}: ${parsed.error.issues[0]!.message}`);
    return { merchantId: parsed.data[0], shop: parsed.data[1], accessToken: parsed.data[2] };
  });
}

/** Where the stores are reached: the Admin API version, and a local server in tests. */
export type ShopifySettings = { stores: ShopifyStore[]; apiVersion: string; apiUrl?: string };

/**
 * Each configured merchant's shop, with the one limiter per shop that every worker process shares:
 * a leaky bucket of the shop's points in the database's rate-limiter row `shopify:<shop>`.
 */
export class ShopifyStores {
  private readonly shops = new Map<string, ShopifyShop>();

  constructor(settings: ShopifySettings, limiterFor: (name: string, settings: GcraSettings) => RateLimiter) {
    const bucket = { maxPerMinute: SHOPIFY_BUCKET.restorePerSecond * 60, burst: SHOPIFY_BUCKET.points - 1 };
    const byShop = new Map<string, RateLimiter>();
    for (const store of settings.stores) {
      // Two merchants on one shop share its bucket.
      const limiter = byShop.get(store.shop) ?? limiterFor(`shopify:${store.shop}`, bucket);
      byShop.set(store.shop, limiter);
      this.shops.set(store.merchantId, new ShopifyShop(store, settings, limiter));
    }
  }

  forMerchant(merchantId: string): ShopifyShop | undefined {
    return this.shops.get(merchantId);
  }

  all(): ShopifyShop[] {
    return [...this.shops.values()];
  }
}
