import { commandPerNewDraft, type ProcessManager } from "./processManager.ts";

/**
 * A language model writes each new draft's description, tags and product type, in the background
 * beside its image search. Runs only on a server with a text model (REPLICATE_TEXT_MODEL).
 */
export const enrichment = {
  name: "enrichment",
  reactions: {
    DraftsCreated: commandPerNewDraft("EnrichDraft", "enrich"),
  },
} as const satisfies ProcessManager;
