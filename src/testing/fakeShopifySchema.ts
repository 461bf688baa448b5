/**
 * The part of Shopify's Admin GraphQL schema (API 2026-10) the publisher uses, as SDL: the fake
 * validates every query document against it with the `graphql` reference implementation, so a
 * field or argument the real API lacks fails here as it would there.
 */
export const adminSchemaSdl = /* GraphQL */ `
  scalar URL
  scalar Money
  scalar Decimal

  enum ProductStatus {
    ACTIVE
    ARCHIVED
    DRAFT
  }
  enum FileContentType {
    FILE
    IMAGE
    VIDEO
    EXTERNAL_VIDEO
    MODEL_3D
  }
  enum ProductSetUserErrorCode {
    GENERIC_ERROR
    INVALID_INPUT
    PRODUCT_DOES_NOT_EXIST
    INVALID_PRODUCT
  }

  input ProductSetIdentifiers {
    id: ID
    handle: String
  }
  input ProductIdentifierInput {
    id: ID
    handle: String
  }
  input OptionValueSetInput {
    id: ID
    name: String
  }
  input OptionSetInput {
    id: ID
    name: String
    position: Int
    values: [OptionValueSetInput!]
  }
  input VariantOptionValueInput {
    id: ID
    name: String
    optionId: ID
    optionName: String
  }
  input InventoryItemInput {
    cost: Decimal
    sku: String
    tracked: Boolean
    requiresShipping: Boolean
  }
  input ProductVariantSetInput {
    id: ID
    optionValues: [VariantOptionValueInput!]!
    price: Money
    compareAtPrice: Money
    barcode: String
    inventoryItem: InventoryItemInput
  }
  input FileSetInput {
    id: ID
    alt: String
    contentType: FileContentType
    filename: String
    originalSource: String
  }
  input ProductSetInput {
    id: ID
    title: String
    descriptionHtml: String
    handle: String
    vendor: String
    productType: String
    tags: [String!]
    status: ProductStatus
    productOptions: [OptionSetInput!]
    variants: [ProductVariantSetInput!]
    files: [FileSetInput!]
  }
  input ProductDeleteInput {
    id: ID!
  }

  type MoneyV2 {
    amount: Decimal!
    currencyCode: String!
  }
  type InventoryItem {
    id: ID!
    sku: String
    unitCost: MoneyV2
  }
  type ProductVariant {
    id: ID!
    price: Money!
    barcode: String
    sku: String
    inventoryItem: InventoryItem!
    product: Product!
  }
  type ProductVariantConnection {
    nodes: [ProductVariant!]!
  }
  type Image {
    url: URL!
  }
  type MediaImage {
    id: ID!
    alt: String
    image: Image
  }
  type MediaConnection {
    nodes: [MediaImage!]!
  }
  type Product {
    id: ID!
    handle: String!
    title: String!
    descriptionHtml: String!
    vendor: String!
    productType: String!
    tags: [String!]!
    status: ProductStatus!
    variants(first: Int): ProductVariantConnection!
    media(first: Int): MediaConnection!
  }
  type ProductSetOperation {
    id: ID!
    status: String!
  }
  type ProductSetUserError {
    field: [String!]
    message: String!
    code: ProductSetUserErrorCode
  }
  type UserError {
    field: [String!]
    message: String!
  }
  type ProductSetPayload {
    product: Product
    productSetOperation: ProductSetOperation
    userErrors: [ProductSetUserError!]!
  }
  type ProductDeletePayload {
    deletedProductId: ID
    userErrors: [UserError!]!
  }

  type ProductConnection {
    nodes: [Product!]!
  }
  input ProductVariantsBulkInput {
    id: ID
    price: Money
    barcode: String
    inventoryItem: InventoryItemInput
  }
  type ProductVariantsBulkUpdatePayload {
    product: Product
    productVariants: [ProductVariant!]
    userErrors: [UserError!]!
  }

  type Query {
    productByIdentifier(identifier: ProductIdentifierInput!): Product
    productVariants(first: Int, query: String): ProductVariantConnection!
    products(first: Int, query: String): ProductConnection!
  }
  type Mutation {
    productSet(input: ProductSetInput!, identifier: ProductSetIdentifiers, synchronous: Boolean = true): ProductSetPayload
    productDelete(input: ProductDeleteInput!): ProductDeletePayload
    productVariantsBulkUpdate(productId: ID!, variants: [ProductVariantsBulkInput!]!): ProductVariantsBulkUpdatePayload
  }
`;
