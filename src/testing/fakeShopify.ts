import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { buildSchema, execute, GraphQLError, parse, validate, type DocumentNode, type OperationDefinitionNode } from "graphql";
import { adminSchemaSdl } from "./fakeShopifySchema.ts";

/**
 * A local Shopify Admin GraphQL API for tests, the bench and trying the flow by hand, driven by
 * the real `@shopify/admin-api-client`. Query documents are parsed and validated against the
 * schema subset the publisher uses and executed by `graphql`; answers carry Shopify's shapes:
 * `userErrors`, `extensions.cost` with `throttleStatus`, and a `THROTTLED` error when a shop's leaky
 * bucket (1,000 points, restoring 50 a second) cannot pay for the request. A mutation costs 10
 * points, a query 1 per root field (Shopify's simplest rule; actual cost = requested cost here).
 */
export type FakeShop = { domain: string; token: string };
export type FakeShopifySettings = {
  shops: FakeShop[];
  bucketSize?: number;
  restorePerSecond?: number;
  /** userErrors for a productSet input, as a misconfigured store or bad data would give. */
  rejectProduct?: (input: ProductSetInput) => { field: string[]; message: string }[];
  /** 0 or unset: any free port. */
  port?: number;
  /** Time each request takes before it answers, in milliseconds. */
  latencyMs?: number;
  /** Products the shops have before the first request: the merchants' catalogues that drafts are matched against. */
  catalogue?: CatalogueEntry[];
  /**
   * Awaited after a request has been executed and before its answer is sent, with its variables: a
   * test can make something happen between the store's write and the caller's hearing of it.
   */
  beforeAnswer?: (variables: Record<string, unknown>) => Promise<void>;
};

export type CatalogueEntry = {
  shop: string;
  title: string;
  handle?: string;
  variants: { sku: string | null; barcode?: string | null; price: string }[];
};

type ProductSetInput = {
  title?: string;
  descriptionHtml?: string;
  handle?: string;
  vendor?: string;
  productType?: string;
  tags?: string[];
  status?: "ACTIVE" | "ARCHIVED" | "DRAFT";
  variants?: { price?: string; barcode?: string; inventoryItem?: { cost?: string; sku?: string } }[];
  files?: { alt?: string; originalSource?: string }[];
};

export type FakeProduct = {
  shop: string;
  id: string;
  handle: string;
  title: string;
  descriptionHtml: string;
  vendor: string;
  productType: string;
  tags: string[];
  status: "ACTIVE" | "ARCHIVED" | "DRAFT";
  variants: { id: string; price: string; sku: string | null; barcode: string | null; cost: string | null }[];
  media: { id: string; alt: string | null; url: string }[];
  /** How many productSet calls wrote it: more than one is an update, never a second product. */
  writes: number;
};

export type ShopStats = {
  requests: number;
  throttled: number;
  pointsSpent: number;
  firstRequestAt: number | null;
  lastRequestAt: number | null;
  created: number;
  deleted: number;
};

const MUTATION_COST = 10;
const schema = buildSchema(adminSchemaSdl);

class LeakyBucket {
  private available: number;
  private at = performance.now();
  constructor(
    readonly size: number,
    readonly restorePerSecond: number,
  ) {
    this.available = size;
  }
  currentlyAvailable(): number {
    const now = performance.now();
    this.available = Math.min(this.size, this.available + ((now - this.at) / 1000) * this.restorePerSecond);
    this.at = now;
    return this.available;
  }
  take(cost: number): boolean {
    if (this.currentlyAvailable() < cost) return false;
    this.available -= cost;
    return true;
  }
}

function requestedCost(document: DocumentNode, operationName: string | undefined): number {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === "OperationDefinition");
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations[0];
  if (!operation) return 1;
  const rootFields = operation.selectionSet.selections.filter((s) => s.kind === "Field").length;
  return operation.operation === "mutation" ? MUTATION_COST * rootFields : rootFields;
}

export async function startFakeShopify(settings: FakeShopifySettings) {
  const bucketSize = settings.bucketSize ?? 1000;
  const restorePerSecond = settings.restorePerSecond ?? 50;
  const shopsByToken = new Map(settings.shops.map((shop) => [shop.token, shop.domain]));
  const buckets = new Map(settings.shops.map((shop) => [shop.domain, new LeakyBucket(bucketSize, restorePerSecond)]));
  const stats = new Map<string, ShopStats>(
    settings.shops.map((shop) => [
      shop.domain,
      { requests: 0, throttled: 0, pointsSpent: 0, firstRequestAt: null, lastRequestAt: null, created: 0, deleted: 0 },
    ]),
  );
  const products = new Map<string, FakeProduct>();
  let nextId = 1;
  const gid = (type: string) => `gid://shopify/${type}/${nextId++}`;

  const variantView = (product: FakeProduct, v: FakeProduct["variants"][number]) => ({
    ...v,
    inventoryItem: { id: `${v.id}/inventory`, sku: v.sku, unitCost: v.cost === null ? null : { amount: v.cost, currencyCode: "USD" } },
    product: () => view(product),
  });
  const view = (product: FakeProduct): Record<string, unknown> => ({
    ...product,
    variants: ({ first }: { first?: number }) => ({ nodes: product.variants.slice(0, first).map((v) => variantView(product, v)) }),
    media: () => ({ nodes: product.media.map((m) => ({ ...m, image: { url: m.url } })) }),
  });
  const ofShop = (shop: string) => [...products.values()].filter((p) => p.shop === shop);
  for (const entry of settings.catalogue ?? []) {
    const product = blankProduct(entry.shop, entry.handle ?? slug(entry.title));
    product.title = entry.title;
    product.variants = entry.variants.map((v) => ({
      id: gid("ProductVariant"),
      price: v.price,
      sku: v.sku,
      barcode: v.barcode ?? null,
      cost: null,
    }));
    products.set(product.id, product);
  }

  const resolvers = (shop: string) => ({
    productByIdentifier: ({ identifier }: { identifier: { id?: string; handle?: string } }) => {
      const found = ofShop(shop).find((p) => (identifier.id ? p.id === identifier.id : p.handle === identifier.handle));
      return found ? view(found) : null;
    },
    productVariants: ({ first = 50, query }: { first?: number; query?: string }) => ({
      nodes: ofShop(shop)
        .flatMap((product) => product.variants.map((variant) => ({ product, variant })))
        .filter(({ product, variant }) => matchesSearch(query, { title: product.title, sku: variant.sku, barcode: variant.barcode }))
        .slice(0, first)
        .map(({ product, variant }) => variantView(product, variant)),
    }),
    products: ({ first = 50, query }: { first?: number; query?: string }) => ({
      nodes: ofShop(shop)
        .filter((product) =>
          product.variants.length === 0
            ? matchesSearch(query, { title: product.title, sku: null, barcode: null })
            : product.variants.some((v) => matchesSearch(query, { title: product.title, sku: v.sku, barcode: v.barcode })),
        )
        .slice(0, first)
        .map(view),
    }),
    productVariantsBulkUpdate: ({ productId, variants }: { productId: string; variants: VariantUpdate[] }) => {
      const product = products.get(productId);
      if (!product || product.shop !== shop)
        return { product: null, productVariants: null, userErrors: [{ field: ["productId"], message: "Product does not exist" }] };
      const unknown = variants.findIndex((v) => !product.variants.some((own) => own.id === v.id));
      if (unknown >= 0)
        return {
          product: null,
          productVariants: null,
          userErrors: [{ field: ["variants", String(unknown), "id"], message: "Product variant does not exist" }],
        };
      for (const update of variants) {
        const variant = product.variants.find((own) => own.id === update.id)!;
        if (update.price !== undefined) variant.price = update.price;
        if (update.barcode !== undefined) variant.barcode = update.barcode;
        if (update.inventoryItem?.sku !== undefined) variant.sku = update.inventoryItem.sku;
        if (update.inventoryItem?.cost !== undefined) variant.cost = update.inventoryItem.cost;
      }
      product.writes++;
      return {
        product: view(product),
        productVariants: product.variants.filter((v) => variants.some((u) => u.id === v.id)).map((v) => variantView(product, v)),
        userErrors: [],
      };
    },
    productSet: ({ input, identifier }: { input: ProductSetInput; identifier?: { id?: string; handle?: string } }) => {
      const existing = identifier
        ? ofShop(shop).find((p) => (identifier.id ? p.id === identifier.id : p.handle === identifier.handle))
        : undefined;
      if (identifier?.id && !existing)
        return {
          product: null,
          userErrors: [{ field: ["identifier", "id"], message: "Product does not exist", code: "PRODUCT_DOES_NOT_EXIST" }],
        };
      const userErrors = [...validateInput(input, existing), ...(settings.rejectProduct?.(input) ?? [])].map((e) => ({
        ...e,
        code: "INVALID_INPUT",
      }));
      if (userErrors.length > 0) return { product: null, userErrors };
      const product = existing ?? createProduct(shop, input, identifier?.handle);
      applyInput(product, input);
      product.writes++;
      return { product: view(product), productSetOperation: null, userErrors: [] };
    },
    productDelete: ({ input }: { input: { id: string } }) => {
      const product = products.get(input.id);
      if (!product || product.shop !== shop)
        return { deletedProductId: null, userErrors: [{ field: ["id"], message: "Product does not exist" }] };
      products.delete(input.id);
      stats.get(shop)!.deleted++;
      return { deletedProductId: input.id, userErrors: [] };
    },
  });

  function createProduct(shop: string, input: ProductSetInput, identifierHandle: string | undefined): FakeProduct {
    const wanted = input.handle ?? identifierHandle ?? slug(input.title ?? "product");
    // Shopify makes a taken handle unique with a suffix rather than refuse it.
    let handle = wanted;
    for (let n = 1; ofShop(shop).some((p) => p.handle === handle); n++) handle = `${wanted}-${n}`;
    const product = blankProduct(shop, handle);
    products.set(product.id, product);
    stats.get(shop)!.created++;
    return product;
  }

  function blankProduct(shop: string, handle: string): FakeProduct {
    return {
      shop,
      id: gid("Product"),
      handle,
      title: "",
      descriptionHtml: "",
      vendor: "",
      productType: "",
      tags: [],
      status: "ACTIVE",
      variants: [],
      media: [],
      writes: 0,
    };
  }

  function applyInput(product: FakeProduct, input: ProductSetInput) {
    const { variants, files, handle: _handle, ...fields } = input;
    Object.assign(product, Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined && v !== null)));
    if (variants)
      product.variants = variants.map((v, i) => ({
        id: product.variants[i]?.id ?? gid("ProductVariant"),
        price: v.price ?? "0.00",
        sku: v.inventoryItem?.sku ?? null,
        barcode: v.barcode ?? null,
        cost: v.inventoryItem?.cost ?? null,
      }));
    if (files) product.media = files.map((f) => ({ id: gid("MediaImage"), alt: f.alt ?? null, url: f.originalSource ?? "" }));
  }

  async function graphqlRequest(request: IncomingMessage, response: ServerResponse, body: string) {
    const shop = shopsByToken.get(String(request.headers["x-shopify-access-token"] ?? ""));
    if (!shop) return send(response, 401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    let payload: { query?: unknown; variables?: Record<string, unknown>; operationName?: string };
    try {
      payload = JSON.parse(body);
    } catch {
      return send(response, 400, { errors: "Bad Request: the body is not JSON" });
    }
    let document: DocumentNode;
    try {
      document = parse(String(payload.query ?? ""));
    } catch (error) {
      return send(response, 200, { errors: [(error as GraphQLError).toJSON()] });
    }
    const invalid = validate(schema, document);
    if (invalid.length > 0) return send(response, 200, { errors: invalid.map((e) => e.toJSON()) });
    const shopStats = stats.get(shop)!;
    const bucket = buckets.get(shop)!;
    const cost = requestedCost(document, payload.operationName);
    shopStats.requests++;
    if (!bucket.take(cost)) {
      shopStats.throttled++;
      return send(response, 200, {
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
        extensions: { cost: costExtension(cost, null, bucket) },
      });
    }
    const now = performance.now();
    shopStats.pointsSpent += cost;
    shopStats.firstRequestAt ??= now;
    shopStats.lastRequestAt = now;
    const result = await execute({
      schema,
      document,
      rootValue: resolvers(shop),
      variableValues: payload.variables,
      operationName: payload.operationName,
    });
    await settings.beforeAnswer?.(payload.variables ?? {});
    send(response, 200, { ...result, extensions: { cost: costExtension(cost, cost, bucket) } });
  }

  const costExtension = (requested: number, actual: number | null, bucket: LeakyBucket) => ({
    requestedQueryCost: requested,
    actualQueryCost: actual,
    throttleStatus: {
      maximumAvailable: bucket.size,
      currentlyAvailable: Math.floor(bucket.currentlyAvailable()),
      restoreRate: bucket.restorePerSecond,
    },
  });

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://fake");
      const answer = async () => {
        if (settings.latencyMs) await new Promise((resolve) => setTimeout(resolve, settings.latencyMs));
        if (request.method === "GET" && url.pathname === "/_fake/products")
          return send(response, 200, { products: [...products.values()] });
        if (request.method === "POST" && /^\/admin\/api\/[\w-]+\/graphql\.json$/.test(url.pathname))
          return graphqlRequest(request, response, Buffer.concat(chunks).toString("utf8"));
        send(response, 404, { errors: "Not Found" });
      };
      answer().catch((error: unknown) => send(response, 500, { errors: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(settings.port ?? 0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    products: () => [...products.values()],
    stats: (shop: string) => ({ ...stats.get(shop)!, bucketSize, restorePerSecond }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type VariantUpdate = { id: string; price?: string; barcode?: string; inventoryItem?: { cost?: string; sku?: string } };

const slug = (title: string) => title.toLowerCase().replace(/[^a-z0-9]+/g, "-");

/**
 * Shopify's search syntax, as far as the publisher uses it: `field:value` terms (values may be
 * quoted), all of them to hold, or either side of an OR. SKUs and barcodes match whole, case aside;
 * a title term matches a word of the title that starts with it, as Shopify's tokenized search does.
 */
function matchesSearch(query: string | undefined, item: { title: string; sku: string | null; barcode: string | null }): boolean {
  if (!query?.trim()) return true;
  const words = item.title.toLowerCase().split(/[^\p{L}\p{N}]+/u);
  const term = (field: string, value: string) => {
    const wanted = value.toLowerCase();
    if (field === "sku") return item.sku?.toLowerCase() === wanted;
    if (field === "barcode") return item.barcode?.toLowerCase() === wanted;
    if (field === "title") return words.some((word) => word.startsWith(wanted));
    return false;
  };
  return query
    .split(/\s+OR\s+/)
    .some((side) =>
      [...side.matchAll(/(\w+):(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)].every(([, field, quoted, bare]) =>
        term(field!, quoted !== undefined ? quoted.replace(/\\(.)/g, "$1") : bare!),
      ),
    );
}

function validateInput(input: ProductSetInput, existing: FakeProduct | undefined) {
  const errors: { field: string[]; message: string }[] = [];
  if (!existing && !input.title?.trim()) errors.push({ field: ["input", "title"], message: "Title can't be blank" });
  input.variants?.forEach((variant, i) => {
    if (variant.price !== undefined && !(Number(variant.price) >= 0))
      errors.push({ field: ["input", "variants", String(i), "price"], message: "Price must be greater than or equal to 0" });
  });
  return errors;
}

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

export type FakeShopify = Awaited<ReturnType<typeof startFakeShopify>>;
