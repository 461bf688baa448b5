import type { MappingRequest } from "./columnMapping.ts";
import type { TableOutcome } from "./lineItems.ts";
import { parsePdf } from "./pdf.ts";
import { parsePurchaseOrder, type FileKind } from "./purchaseOrderParser.ts";
import { parseSpreadsheet } from "./spreadsheet.ts";

/** Any purchase order file the deterministic parsers read, by its kind. */
export async function parseDocument(bytes: Uint8Array, kind: FileKind, request: MappingRequest = {}): Promise<TableOutcome> {
  switch (kind) {
    case "csv":
    case "tsv":
    case "ssv":
      return parsePurchaseOrder(bytes, request);
    case "xlsx":
      return parseSpreadsheet(bytes, request);
    case "pdf":
      return parsePdf(bytes, request);
    case "image":
      return { ok: false, errors: [{ line: 1, message: "The file is an image (a photo or a scan)" }], needsModel: true };
  }
}
