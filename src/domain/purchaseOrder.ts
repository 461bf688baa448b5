import { z } from "zod";
import { Quantity, RetailPrice, UnitCost } from "./amounts.ts";
import { DomainRuleViolation, NotFound } from "../errors.ts";
import type { PurchaseOrderPublication } from "./publication.ts";
import { ColumnChoice, ColumnMapping, LineSource, ParseReport, ParseWarning } from "./columnMapping.ts";
import type { Decider } from "./decider.ts";
import {
  CompletePurchaseOrder,
  DraftPublicationSettled,
  PurchaseOrderCompleted,
  PurchaseOrderPublished,
  PurchaseOrderPublishRequested,
  RequestPublish,
  SettleDraftPublication,
} from "./publication.ts";
import { decidePublication, evolvePublication } from "./purchaseOrderPublication.ts";
import { MergedLine } from "./normalization.ts";

export const LineItem = z.object({
  /** The 1-based line of the file the item starts on, so merchants and auditors can find it. */
  lineNumber: z.number().int().positive(),
  sku: z.string().nullable(),
  title: z.string().min(1),
  quantity: Quantity,
  unitCost: UnitCost.nullable(),
  /** The product's EAN, UPC or GTIN, where the file has a column for it. */
  barcode: z.string().max(64).nullable().optional(),
  /** Absent on lines parsed before provenance was recorded. */
  source: LineSource.optional(),
  confidence: z.number().min(0).max(1).optional(),
  /** Why the confidence is below 1, in the reviewer's words. */
  concerns: z.array(z.string()).optional(),
});
export type LineItem = z.infer<typeof LineItem>;

/** Where and why a file did not parse: the line (and column and field, where known). */
export const ParseProblem = z.object({
  line: z.number().int().positive(),
  column: z.number().int().positive().optional(),
  field: z.string().optional(),
  message: z.string(),
});
export type ParseProblem = z.infer<typeof ParseProblem>;

export const DraftSpec = LineItem.extend({
  draftId: z.uuid(),
  /** Made by the merchant's pricing rule; absent on drafts created before rules were applied. */
  retailPrice: RetailPrice.nullable().optional(),
  /** The lines with this draft's SKU that normalization merged into it, its own first. */
  mergedLines: z.array(MergedLine).min(2).optional(),
});
export type DraftSpec = z.infer<typeof DraftSpec>;

const UploadedFile = {
  fileName: z.string().min(1).max(255),
  contentType: z.string().min(1),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
};

// Events

export const PurchaseOrderUploaded = z.object({
  type: z.literal("PurchaseOrderUploaded"),
  data: z.object({
    purchaseOrderId: z.uuid(),
    merchantId: z.string().min(1),
    ...UploadedFile,
    uploadedAt: z.iso.datetime(),
    /** A scan or free text: an AI model reads it in the background. Absent: parsed at upload. */
    parsing: z.literal("model").optional(),
  }),
});
export const PurchaseOrderParsed = z.object({
  type: z.literal("PurchaseOrderParsed"),
  data: z.object({
    purchaseOrderId: z.uuid(),
    lineItems: z.array(LineItem).min(1),
    /** Absent on POs parsed before the mapping was recorded. */
    mapping: ColumnMapping.optional(),
    warnings: z.array(ParseWarning).optional(),
    report: ParseReport.optional(),
  }),
});
export const PurchaseOrderParseFailed = z.object({
  type: z.literal("PurchaseOrderParseFailed"),
  data: z.object({ purchaseOrderId: z.uuid(), errors: z.array(ParseProblem).min(1) }),
});
export const DraftsCreated = z.object({
  type: z.literal("DraftsCreated"),
  data: z.object({ purchaseOrderId: z.uuid(), drafts: z.array(DraftSpec).min(1) }),
});
/** The merchant corrected the columns; the PurchaseOrderParsed that follows is the file read with them. */
export const ColumnMappingCorrected = z.object({
  type: z.literal("ColumnMappingCorrected"),
  data: z.object({ purchaseOrderId: z.uuid(), columns: ColumnChoice, correctedBy: z.string().min(1) }),
});
/**
 * After a re-parse, the drafts of lines that are still line items are kept (their merchant's edits with
 * them) and those of lines that no longer are removed; lines new to the re-parse came in DraftsCreated.
 */
export const DraftsReconciled = z.object({
  type: z.literal("DraftsReconciled"),
  data: z.object({ purchaseOrderId: z.uuid(), kept: z.array(z.uuid()), removed: z.array(z.uuid()) }),
});

export const PurchaseOrderEvent = z.discriminatedUnion("type", [
  PurchaseOrderUploaded,
  PurchaseOrderParsed,
  PurchaseOrderParseFailed,
  DraftsCreated,
  ColumnMappingCorrected,
  DraftsReconciled,
  PurchaseOrderPublishRequested,
  DraftPublicationSettled,
  PurchaseOrderPublished,
  PurchaseOrderCompleted,
]);
export type PurchaseOrderEvent = z.infer<typeof PurchaseOrderEvent>;

// Commands

export const UploadPurchaseOrder = z.object({
  type: z.literal("UploadPurchaseOrder"),
  data: PurchaseOrderUploaded.shape.data,
});
export const RecordParseOutcome = z.object({
  type: z.literal("RecordParseOutcome"),
  data: z.discriminatedUnion("ok", [
    z.object({
      ok: z.literal(true),
      lineItems: z.array(LineItem),
      mapping: ColumnMapping.optional(),
      warnings: z.array(ParseWarning).optional(),
      report: ParseReport.optional(),
    }),
    z.object({ ok: z.literal(false), errors: z.array(ParseProblem) }),
  ]),
});
export const CreateDrafts = z.object({
  type: z.literal("CreateDrafts"),
  data: z.object({ drafts: z.array(DraftSpec) }),
});

/** The file read again with the merchant's columns: every line item's draft spec, under the ids of the first parse's lines. */
export const CorrectColumnMapping = z.object({
  type: z.literal("CorrectColumnMapping"),
  data: z.object({
    columns: ColumnChoice,
    correctedBy: z.string().min(1),
    parsed: PurchaseOrderParsed.shape.data.omit({ purchaseOrderId: true }),
    drafts: z.array(DraftSpec),
  }),
});

export const PurchaseOrderCommand = z.discriminatedUnion("type", [
  UploadPurchaseOrder,
  RecordParseOutcome,
  CreateDrafts,
  CorrectColumnMapping,
  RequestPublish,
  SettleDraftPublication,
  CompletePurchaseOrder,
]);
export type PurchaseOrderCommand = z.infer<typeof PurchaseOrderCommand>;

// State

type UploadedState = { purchaseOrderId: string; merchantId: string; fileName: string; contentType: string; sha256: string };
export type PurchaseOrderState =
  | { status: "none" }
  | ({ status: "uploaded" | "parse_failed" } & UploadedState)
  /** `draftIds` are the live drafts of earlier parses: a re-parse keeps them until it reconciles them. */
  | ({
      status: "parsed" | "drafts_created";
      lineItems: LineItem[];
      draftIds: string[];
      publication?: PurchaseOrderPublication;
    } & UploadedState);
export type DraftsCreatedState = {
  status: "drafts_created";
  lineItems: LineItem[];
  draftIds: string[];
  /** The latest publish request and how far its drafts are. */
  publication?: PurchaseOrderPublication;
} & UploadedState;

export const purchaseOrderStream = (purchaseOrderId: string) => `po-${purchaseOrderId}`;

export const purchaseOrderDecider: Decider<PurchaseOrderCommand, PurchaseOrderEvent, PurchaseOrderState> = {
  initialState: { status: "none" },

  decide(command, state) {
    switch (command.type) {
      case "UploadPurchaseOrder":
        if (state.status !== "none") throw new DomainRuleViolation(`Purchase order ${command.data.purchaseOrderId} already exists`);
        return [{ type: "PurchaseOrderUploaded", data: command.data }];
      case "RecordParseOutcome": {
        if (state.status === "none") throw new NotFound("Purchase order", "(not uploaded)");
        // Only the parsing processor records outcomes; a redelivery finds its outcome already there.
        if (state.status !== "uploaded") return [];
        const { purchaseOrderId } = state;
        const outcome = command.data;
        if (!outcome.ok) return [{ type: "PurchaseOrderParseFailed", data: { purchaseOrderId, errors: outcome.errors } }];
        if (outcome.lineItems.length === 0) {
          const errors = [{ line: 1, message: "The file has no line items" }];
          return [{ type: "PurchaseOrderParseFailed", data: { purchaseOrderId, errors } }];
        }
        const { ok: _ok, ...parsed } = outcome;
        return [{ type: "PurchaseOrderParsed", data: { purchaseOrderId, ...parsed } }];
      }
      case "CreateDrafts": {
        if (state.status === "drafts_created") return [];
        if (state.status !== "parsed") throw new DomainRuleViolation(`Purchase order is ${state.status}, not parsed`);
        const lines = new Set(state.lineItems.map((l) => l.lineNumber));
        const unknown = command.data.drafts.find((d) => !lines.has(d.lineNumber));
        if (unknown) throw new DomainRuleViolation(`Line ${unknown.lineNumber} is not a line item of this purchase order`);
        return [{ type: "DraftsCreated", data: { purchaseOrderId: state.purchaseOrderId, drafts: command.data.drafts } }];
      }
      case "CorrectColumnMapping":
        if (state.status !== "drafts_created")
          throw new DomainRuleViolation(`Purchase order is ${state.status}: its mapping cannot be corrected`);
        return correctColumnMapping(command.data, state as DraftsCreatedState);
      case "RequestPublish":
      case "SettleDraftPublication":
      case "CompletePurchaseOrder":
        return decidePublication(command, state);
    }
  },

  evolve(state, event) {
    if (event.type === "PurchaseOrderUploaded") {
      const { purchaseOrderId, merchantId, fileName, contentType, sha256 } = event.data;
      return { status: "uploaded", purchaseOrderId, merchantId, fileName, contentType, sha256 };
    }
    if (state.status === "none") return state;
    const { purchaseOrderId, merchantId, fileName, contentType, sha256 } = state;
    const uploaded = { purchaseOrderId, merchantId, fileName, contentType, sha256 };
    const draftIds = "draftIds" in state ? state.draftIds : [];
    switch (event.type) {
      case "PurchaseOrderParseFailed":
        return { status: "parse_failed", ...uploaded };
      case "PurchaseOrderParsed":
        return { status: "parsed", ...uploaded, lineItems: event.data.lineItems, draftIds };
      case "DraftsCreated":
        return state.status !== "parsed"
          ? state
          : { ...state, status: "drafts_created", draftIds: [...draftIds, ...event.data.drafts.map((d) => d.draftId)] };
      case "ColumnMappingCorrected":
        return state;
      case "DraftsReconciled": {
        if (state.status !== "parsed" && state.status !== "drafts_created") return state;
        const removed = new Set(event.data.removed);
        return { ...state, status: "drafts_created", draftIds: draftIds.filter((id) => !removed.has(id)) };
      }
      case "PurchaseOrderPublishRequested":
      case "DraftPublicationSettled":
      case "PurchaseOrderPublished":
      case "PurchaseOrderCompleted":
        return state.status === "drafts_created" ? evolvePublication(state as DraftsCreatedState, event) : state;
    }
  },
};

/**
 * Lines still there keep their drafts, lines new to the corrected mapping get drafts, and drafts of
 * lines that are no longer line items are removed. What changed in a kept draft goes to its own stream.
 */
function correctColumnMapping(
  { columns, correctedBy, parsed, drafts }: z.infer<typeof CorrectColumnMapping>["data"],
  state: DraftsCreatedState,
): PurchaseOrderEvent[] {
  const { purchaseOrderId } = state;
  if (parsed.lineItems.length === 0) throw new DomainRuleViolation("With these columns the file has no line items");
  const existing = new Set(state.draftIds);
  const stillThere = new Set(drafts.map((d) => d.draftId));
  const created = drafts.filter((d) => !existing.has(d.draftId));
  return [
    { type: "ColumnMappingCorrected", data: { purchaseOrderId, columns, correctedBy } },
    { type: "PurchaseOrderParsed", data: { purchaseOrderId, ...parsed } },
    ...(created.length > 0 ? [{ type: "DraftsCreated" as const, data: { purchaseOrderId, drafts: created } }] : []),
    {
      type: "DraftsReconciled",
      data: {
        purchaseOrderId,
        kept: state.draftIds.filter((id) => stillThere.has(id)),
        removed: state.draftIds.filter((id) => !stillThere.has(id)),
      },
    },
  ];
}
