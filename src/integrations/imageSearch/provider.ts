/** What we search by: the SKU when there is one, and the title. */
export type ImageQuery = { sku: string | null; title: string };
export type ImageHit = { url: string };

/** Every image source (supplier catalog, Google, …) behind one interface. */
export interface ImageSearchProvider {
  readonly name: string;
  search(query: ImageQuery): Promise<ImageHit[]>;
}

/** Lower case, punctuation to spaces, words sorted: "Tent, 2 Person" and "2 person TENT" agree. */
export const normalizeTitle = (title: string) =>
  title
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .split(/[^a-z0-9]+/)
    .filter(Boolean)
    .sort()
    .join(" ");

export const normalizeSku = (sku: string) => sku.trim().toUpperCase().replace(/\s+/g, "");

/** The cache key of a query: the SKU if any, else the title, both normalized. */
export const queryKey = (query: ImageQuery) => (query.sku ? `sku:${normalizeSku(query.sku)}` : `title:${normalizeTitle(query.title)}`);

export const describeQuery = (query: ImageQuery) => (query.sku ? `${query.sku} ${query.title}` : query.title);
