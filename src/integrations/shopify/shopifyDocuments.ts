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
