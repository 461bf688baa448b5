import { createAdminApiClient, type AdminApiClient } from "@shopify/admin-api-client";
import { z } from "zod";
import type { ShopifyProductRef } from "../../domain/publication.ts";
import { TransientError } from "../../errors.ts";
import type { RateLimiter } from "../../optimization/rateLimiter.ts";
import type { CatalogueProduct } from "../../domain/productMatching.ts";
import {
  PRODUCT_BY_HANDLE,
  PRODUCT_DELETE,
  PRODUCT_SET,
  PRODUCTS_BY_TITLE,
  VARIANTS_BY_CODE,
  VARIANTS_UPDATE,
} from "./shopifyDocuments.ts";
import type { ShopifyStore } from "./shopifyStores.ts";

/** The Admin API version every call is made against (Shopify keeps a version for a year). */
export const DEFAULT_SHOPIFY_API_VERSION = "2026-10";

/** A standard shop's bucket: 1,000 points, restoring 50 a second; a mutation is asked 10 points. */
export const SHOPIFY_BUCKET = { points: 1000, restorePerSecond: 50 };
const FIRST_GUESS_COST = { mutation: 10, query: 1 };

export type ProductInput = {
  handle: string;
  title: string;
  descriptionHtml: string;
  vendor: string;
  productType: string;
  tags: string[];
  status: "DRAFT" | "ACTIVE";
  variant: { sku: string | null; barcode: string | null; price: string; cost: string | null };
  /** Image URLs in the order the product shows them: the primary first. */
  images: { url: string; alt: string }[];
};
export type ShopifyUserError = { field?: string[] | null; message: string };
export type PublishAnswer = { ok: true; product: ShopifyProductRef } | { ok: false; userErrors: ShopifyUserError[] };

const UserErrors = z.array(z.object({ field: z.array(z.string()).nullable().optional(), message: z.string() }));
const ProductSetData = z.object({
  productSet: z.object({
    product: z
      .object({ id: z.string(), handle: z.string(), variants: z.object({ nodes: z.array(z.object({ id: z.string() })) }) })
      .nullable(),
    userErrors: UserErrors,
  }),
});
const MatchedVariant = z.object({ id: z.string(), sku: z.string().nullable(), barcode: z.string().nullable() });
const VariantsByCodeData = z.object({
  productVariants: z.object({ nodes: z.array(MatchedVariant.extend({ product: z.object({ id: z.string(), title: z.string() }) })) }),
});
const ProductsByTitleData = z.object({
  products: z.object({
    nodes: z.array(z.object({ id: z.string(), title: z.string(), variants: z.object({ nodes: z.array(MatchedVariant) }) })),
  }),
});
const catalogueProduct = (product: { id: string; title: string }, variant: z.infer<typeof MatchedVariant>): CatalogueProduct => ({
  productId: product.id,
  variantId: variant.id,
  title: product.title,
  sku: variant.sku,
  barcode: variant.barcode,
});
/** A value in Shopify's search syntax, quoted. */
const searchValue = (value: string) => `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
const MAX_TITLE_TERMS = 8;

const VariantsUpdateData = z.object({
  productVariantsBulkUpdate: z.object({ product: z.object({ id: z.string(), handle: z.string() }).nullable(), userErrors: UserErrors }),
});
const ProductByHandleData = z.object({ productByIdentifier: z.object({ id: z.string() }).nullable() });
const ProductDeleteData = z.object({ productDelete: z.object({ deletedProductId: z.string().nullable(), userErrors: UserErrors }) });
const Cost = z
  .object({
    requestedQueryCost: z.number().optional(),
    throttleStatus: z.object({ currentlyAvailable: z.number(), restoreRate: z.number().positive() }).optional(),
  })
  .optional();

export type ShopifyConnection = { apiVersion: string; /** A local server instead of https://<shop> (tests, the fake). */ apiUrl?: string };

/**
 * One merchant's store through `@shopify/admin-api-client`. Every call first takes its cost from the
 * shop's limiter, which every worker process shares (a row in the database, like Replicate's), so
 * together they stay inside the shop's bucket; a THROTTLED answer (another app spent points) holds
 * them all back until the bucket has refilled enough, then the call is made again: never a failure.
 */
export class ShopifyShop {
  private readonly client: AdminApiClient;
  /** What each operation was last charged, so the limiter takes the right amount before the next. */
  private readonly costs = new Map<string, number>();
  throttledAnswers = 0;

  constructor(
    readonly store: ShopifyStore,
    connection: ShopifyConnection,
    private readonly limiter: RateLimiter,
  ) {
    const origin = `https://${store.shop}`;
    const apiUrl = connection.apiUrl?.replace(/\/+$/, "");
    this.client = createAdminApiClient({
      storeDomain: store.shop,
      apiVersion: connection.apiVersion,
      accessToken: store.accessToken,
      retries: 0,
      customFetchApi: (url, init) => fetch(apiUrl && url.startsWith(origin) ? apiUrl + url.slice(origin.length) : url, init as RequestInit),
      // The client warns on stderr about versions it does not know; the pinned version is a choice, not a mistake.
      logger: () => undefined,
    });
  }

  /**
   * The store's products a draft might be: those with its SKU, else its barcode, else those whose
   * titles share a word with its title. Which of them it is, if any, is the matching rules' call.
   */
  async catalogueFor(draft: { sku: string | null; barcode?: string | null; title: string }): Promise<CatalogueProduct[]> {
    for (const [field, value] of [
      ["sku", draft.sku],
      ["barcode", draft.barcode],
    ] as const) {
      if (!value) continue;
      const { productVariants } = VariantsByCodeData.parse(
        await this.request("CatalogueByCode", "query", VARIANTS_BY_CODE, { query: `${field}:${searchValue(value)}` }),
      );
      const found = productVariants.nodes.map((variant) => catalogueProduct(variant.product, variant));
      if (found.length > 0) return found;
    }
    const terms = [...new Set(draft.title.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? [])].slice(0, MAX_TITLE_TERMS);
    if (terms.length === 0) return [];
    const query = terms.map((term) => `title:${searchValue(term)}`).join(" OR ");
    const { products } = ProductsByTitleData.parse(await this.request("CatalogueByTitle", "query", PRODUCTS_BY_TITLE, { query }));
    return products.nodes.flatMap((product) => product.variants.nodes.slice(0, 1).map((variant) => catalogueProduct(product, variant)));
  }

  async publish(input: ProductInput): Promise<PublishAnswer> {
    const { handle, variant, images, ...fields } = input;
    const variables = {
      identifier: { handle },
      input: {
        ...fields,
        handle,
        productOptions: [{ name: "Title", values: [{ name: "Default Title" }] }],
        variants: [
          {
            optionValues: [{ optionName: "Title", name: "Default Title" }],
            price: variant.price,
            ...(variant.barcode && { barcode: variant.barcode }),
            inventoryItem: { sku: variant.sku, ...(variant.cost !== null && { cost: variant.cost }) },
          },
        ],
        files: images.map((image) => ({ originalSource: image.url, alt: image.alt, contentType: "IMAGE" })),
      },
    };
    const { productSet } = ProductSetData.parse(await this.request("PublishDraft", "mutation", PRODUCT_SET, variables));
    if (productSet.userErrors.length > 0 || !productSet.product)
      return { ok: false, userErrors: productSet.userErrors.map((e) => ({ field: e.field ?? null, message: e.message })) };
    const variantId = productSet.product.variants.nodes[0]?.id;
    if (!variantId) throw new Error(`Shopify created product ${productSet.product.id} without a variant`);
    return { ok: true, product: { shop: this.store.shop, productId: productSet.product.id, variantId, handle: productSet.product.handle } };
  }

  /**
   * A reorder of a product the store already has: the matched variant takes the draft's price, cost
   * and SKU. The product's page (title, description, media, its other variants) stays as the
   * merchant keeps it: productSet would replace all of it, deleting variants it does not list.
   */
  async updateMatched(match: { productId: string; variantId: string }, variant: ProductInput["variant"]): Promise<PublishAnswer> {
    const variables = {
      productId: match.productId,
      variants: [
        {
          id: match.variantId,
          price: variant.price,
          inventoryItem: { sku: variant.sku, ...(variant.cost !== null && { cost: variant.cost }) },
        },
      ],
    };
    const { productVariantsBulkUpdate: updated } = VariantsUpdateData.parse(
      await this.request("UpdateMatchedVariant", "mutation", VARIANTS_UPDATE, variables),
    );
    if (updated.userErrors.length > 0 || !updated.product)
      return { ok: false, userErrors: updated.userErrors.map((e) => ({ field: e.field ?? null, message: e.message })) };
    const product = { shop: this.store.shop, productId: updated.product.id, variantId: match.variantId, handle: updated.product.handle };
    return { ok: true, product };
  }

  /** Removes the product a handle names, if the store has one; says whether it did. */
  async withdraw(handle: string): Promise<boolean> {
    const found = ProductByHandleData.parse(await this.request("ProductByHandle", "query", PRODUCT_BY_HANDLE, { handle }));
    if (!found.productByIdentifier) return false;
    const { productDelete } = ProductDeleteData.parse(
      await this.request("WithdrawDraftProduct", "mutation", PRODUCT_DELETE, { id: found.productByIdentifier.id }),
    );
    if (productDelete.userErrors.length > 0)
      throw new Error(`Shopify did not delete ${handle}: ${describeUserErrors(productDelete.userErrors)}`);
    return true;
  }

  private async request(operation: string, kind: "mutation" | "query", document: string, variables: Record<string, unknown>) {
    for (;;) {
      const cost = this.costs.get(operation) ?? FIRST_GUESS_COST[kind];
      await this.acquire(cost);
      let answer: Awaited<ReturnType<AdminApiClient["request"]>>;
      try {
        answer = await this.client.request(document, { variables, signal: AbortSignal.timeout(30_000) });
      } catch (error) {
        throw new TransientError(`Shopify ${this.store.shop} did not answer: ${(error as Error).message}`);
      }
      const charged = Cost.safeParse(answer.extensions?.cost);
      const costInfo = charged.success ? charged.data : undefined;
      if (costInfo?.requestedQueryCost) this.costs.set(operation, costInfo.requestedQueryCost);
      const errors = answer.errors;
      if (errors?.graphQLErrors?.some((e) => e.extensions?.code === "THROTTLED")) {
        this.throttledAnswers++;
        const status = costInfo?.throttleStatus;
        const missing = Math.max(1, (costInfo?.requestedQueryCost ?? cost) - (status?.currentlyAvailable ?? 0));
        await this.limiter.holdFor((missing / (status?.restoreRate ?? SHOPIFY_BUCKET.restorePerSecond)) * 1000);
        continue;
      }
      if (errors) throw shopifyError(this.store.shop, errors);
      return answer.data;
    }
  }

  private async acquire(cost: number) {
    for (;;) {
      const grant = await this.limiter.tryAcquire(cost);
      if (grant.granted) return;
      await new Promise((resolve) => setTimeout(resolve, grant.waitMs));
    }
  }
}

export const describeUserErrors = (errors: ShopifyUserError[]) =>
  errors.map((e) => (e.field?.length ? `${e.field.join(".")}: ${e.message}` : e.message)).join("; ");

function shopifyError(shop: string, errors: NonNullable<Awaited<ReturnType<AdminApiClient["request"]>>["errors"]>): Error {
  const status = errors.networkStatusCode;
  const detail = errors.graphQLErrors?.map((e) => e.message).join("; ") || errors.message || "no detail";
  if (status === undefined || status >= 500 || status === 429)
    return new TransientError(`Shopify ${shop} answered ${status ?? "nothing"}: ${detail}`);
  if (status === 401 || status === 403) return new Error(`Shopify ${shop} refused the access token (${status}): check SHOPIFY_STORES`);
  return new Error(`Shopify ${shop} answered ${status}: ${detail}`);
}
