/**
 * The Admin GraphQL documents the publisher sends. productSet is Shopify's upsert: with the
 * draft's handle as identifier it updates the product that handle names, or creates it, so
 * publishing a draft twice never makes two products.
 */
export const PRODUCT_SET = /* GraphQL */ `
  mutation PublishDraft($input: ProductSetInput!, $identifier: ProductSetIdentifiers) {
    productSet(input: $input, identifier: $identifier, synchronous: true) {
      product {
        id
        handle
        variants(first: 1) {
          nodes {
            id
          }
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

export const PRODUCT_BY_HANDLE = /* GraphQL */ `
  query ProductByHandle($handle: String!) {
    productByIdentifier(identifier: { handle: $handle }) {
      id
    }
  }
`;

export const PRODUCT_DELETE = /* GraphQL */ `
  mutation WithdrawDraftProduct($id: ID!) {
    productDelete(input: { id: $id }) {
      deletedProductId
      userErrors {
        field
        message
      }
    }
  }
`;

/** The store's variants with a SKU or barcode (Shopify's search syntax: `sku:"AO-TENT-2P"`, `barcode:"4006381333931"`), with their products. */
export const VARIANTS_BY_CODE = /* GraphQL */ `
  query CatalogueByCode($query: String!) {
    productVariants(first: 10, query: $query) {
      nodes {
        id
        sku
        barcode
        product {
          id
          title
        }
      }
    }
  }
`;

/** Products whose titles share words with the draft's (`title:tent OR title:trailhead`), for the fuzzy match. */
export const PRODUCTS_BY_TITLE = /* GraphQL */ `
  query CatalogueByTitle($query: String!) {
    products(first: 25, query: $query) {
      nodes {
        id
        title
        variants(first: 1) {
          nodes {
            id
            sku
            barcode
          }
        }
      }
    }
  }
`;

export const VARIANTS_UPDATE = /* GraphQL */ `
  mutation UpdateMatchedVariant($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
    productVariantsBulkUpdate(productId: $productId, variants: $variants) {
      product {
        id
        handle
      }
      userErrors {
        field
        message
      }
    }
  }
`;
