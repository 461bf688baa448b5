import { commandPerNewDraft, type ProcessManager } from "./processManager.ts";

/**
 * Each new draft is looked up in its merchant's store (by SKU, barcode, then title) before review, so the
 * reviewer sees what it matches and a publish updates that product instead of making a second one.
 */
export const productMatching = {
  name: "product-matching",
  reactions: {
    DraftsCreated: commandPerNewDraft("MatchDraftProduct", "match_products"),
  },
} as const satisfies ProcessManager;
