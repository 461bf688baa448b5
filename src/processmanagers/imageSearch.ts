import { commandPerNewDraft, type ProcessManager } from "./processManager.ts";

/** One image search per new draft; the handler reads the draft's current SKU and title. */
export const imageSearch = {
  name: "image-search",
  reactions: {
    DraftsCreated: commandPerNewDraft("SearchDraftImages", "search_images"),
  },
} as const satisfies ProcessManager;
