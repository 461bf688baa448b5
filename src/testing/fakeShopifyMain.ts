import { parseArgs } from "node:util";
import { startFakeShopify } from "./fakeShopify.ts";

/**
 * `npm run fake:shopify -- --port 4010 [--shop demo.myshopify.com] [--token shpat_demo]`: the fake
 * Shopify on its own, so the whole flow can be tried by hand against `npm start` with
 * SHOPIFY_STORES=demo:<shop>:<token> and SHOPIFY_API_URL=<the printed URL>.
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "4010" },
    shop: { type: "string", default: "demo.myshopify.com" },
    token: { type: "string", default: "shpat_demo" },
  },
});
const fake = await startFakeShopify({ shops: [{ domain: values.shop, token: values.token }], port: Number(values.port) });
console.log(`Fake Shopify Admin API listening on ${fake.url}`);
console.log(`  products it holds: ${fake.url}/_fake/products`);
console.log(`  try it: SHOPIFY_STORES=demo:${values.shop}:${values.token} SHOPIFY_API_URL=${fake.url} npm start`);
const stop = () => void fake.close().then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
