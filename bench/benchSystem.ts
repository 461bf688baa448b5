import { pino } from "pino";
import type { Database } from "../src/db/database.ts";
import type { ImageSearchProvider } from "../src/integrations/imageSearch/provider.ts";
import type { OptimizationSettings } from "../src/optimization/optimization.ts";
import { createSystem } from "../src/system.ts";
import type { ShopifySettings } from "../src/integrations/shopify/shopifyStores.ts";

type PurchaseOrderView = { status: string; drafts: unknown[]; stages: { stage: string; finishedAt: string | null }[] };

const merchant = { merchantId: "bench", key: "bench-merchant-key" };

/** The whole application on a real port, and the two calls benches make of it. */
export async function startBenchSystem(
  database: Database,
  options: {
    imageSearch: ImageSearchProvider;
    imageSearchConcurrency?: number;
    optimization?: OptimizationSettings;
    shopify?: ShopifySettings;
  },
) {
  const system = await createSystem({
    database,
    logger: pino({ level: process.env.BENCH_LOG_LEVEL ?? "silent" }, pino.destination(2)),
    apiKeys: [merchant],
    keySecret: { value: Buffer.from("bench-api-key-secret") },
    adminKey: "bench-admin-key",
    maxUploadBytes: 5 * 1024 * 1024,
    imageSearch: options.imageSearch,
    imageSearchConcurrency: options.imageSearchConcurrency,
    optimization: options.optimization,
    shopify: options.shopify,
  });
  const baseUrl = await system.app.listen({ port: 0, host: "127.0.0.1" });
  const headers = { authorization: `Bearer ${merchant.key}` };
  return {
    baseUrl,
    merchantId: merchant.merchantId,
    merchantKey: merchant.key,
    system,
    post: (path: string) => fetch(`${baseUrl}${path}`, { method: "POST", headers }),
    async upload(fileName: string, csv: string): Promise<string> {
      const form = new FormData();
      form.append("file", new Blob([csv], { type: "text/csv" }), fileName);
      const response = await fetch(`${baseUrl}/purchase-orders`, { method: "POST", body: form, headers });
      if (response.status !== 202) throw new Error(`upload of ${fileName} answered ${response.status}: ${await response.text()}`);
      return ((await response.json()) as { id: string }).id;
    },
    async purchaseOrder(id: string): Promise<PurchaseOrderView> {
      return (await fetch(`${baseUrl}/purchase-orders/${id}`, { headers })).json() as Promise<PurchaseOrderView>;
    },
    stop: () => system.stop(),
  };
}
