import type { MappingRequest } from "./columnMapping.ts";
import type { TableOutcome } from "./lineItems.ts";
import { parsePurchaseOrder, type FileKind } from "./purchaseOrderParser.ts";

/** Any purchase order file the deterministic parsers read, by its kind. */
export async function parseDocument(bytes: Uint8Array, kind: FileKind, request: MappingRequest = {}): Promise<TableOutcome> {
  switch (kind) {
    case "csv":
    case "tsv":
    case "ssv":
      return parsePurchaseOrder(bytes, request);
  }
}
