import { z } from "zod";
import { DomainRuleViolation, NotFound } from "../errors.ts";
import type { Decider } from "./decider.ts";

export const LineItem = z.object({
  /** The 1-based line of the file the item starts on, so merchants and auditors can find it. */
  lineNumber: z.number().int().positive(),
  sku: z.string().nullable(),
  title: z.string().min(1),
  quantity: z.number().positive(),
  unitCost: z.number().nonnegative().nullable(),
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

export const DraftSpec = LineItem.extend({ draftId: z.uuid() });
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
  data: z.object({ purchaseOrderId: z.uuid(), merchantId: z.string().min(1), ...UploadedFile, uploadedAt: z.iso.datetime() }),
});
export const PurchaseOrderParsed = z.object({
  type: z.literal("PurchaseOrderParsed"),
  data: z.object({ purchaseOrderId: z.uuid(), lineItems: z.array(LineItem).min(1) }),
});
export const PurchaseOrderParseFailed = z.object({
  type: z.literal("PurchaseOrderParseFailed"),
  data: z.object({ purchaseOrderId: z.uuid(), errors: z.array(ParseProblem).min(1) }),
});
export const DraftsCreated = z.object({
  type: z.literal("DraftsCreated"),
  data: z.object({ purchaseOrderId: z.uuid(), drafts: z.array(DraftSpec).min(1) }),
});

export const PurchaseOrderEvent = z.discriminatedUnion("type", [
  PurchaseOrderUploaded,
  PurchaseOrderParsed,
  PurchaseOrderParseFailed,
  DraftsCreated,
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
    z.object({ ok: z.literal(true), lineItems: z.array(LineItem) }),
    z.object({ ok: z.literal(false), errors: z.array(ParseProblem) }),
  ]),
});
export const CreateDrafts = z.object({
  type: z.literal("CreateDrafts"),
  data: z.object({ drafts: z.array(DraftSpec) }),
});

export const PurchaseOrderCommand = z.discriminatedUnion("type", [UploadPurchaseOrder, RecordParseOutcome, CreateDrafts]);
export type PurchaseOrderCommand = z.infer<typeof PurchaseOrderCommand>;

// State

export type PurchaseOrderState =
  | { status: "none" }
  | { status: "uploaded" | "parse_failed"; purchaseOrderId: string; merchantId: string }
  | { status: "parsed"; purchaseOrderId: string; merchantId: string; lineItems: LineItem[] }
  | { status: "drafts_created"; purchaseOrderId: string; merchantId: string; lineItems: LineItem[]; draftIds: string[] };

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
        return [{ type: "PurchaseOrderParsed", data: { purchaseOrderId, lineItems: outcome.lineItems } }];
      }
      case "CreateDrafts": {
        if (state.status === "drafts_created") return [];
        if (state.status !== "parsed") throw new DomainRuleViolation(`Purchase order is ${state.status}, not parsed`);
        const lines = new Set(state.lineItems.map((l) => l.lineNumber));
        const unknown = command.data.drafts.find((d) => !lines.has(d.lineNumber));
        if (unknown) throw new DomainRuleViolation(`Line ${unknown.lineNumber} is not a line item of this purchase order`);
        return [{ type: "DraftsCreated", data: { purchaseOrderId: state.purchaseOrderId, drafts: command.data.drafts } }];
      }
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case "PurchaseOrderUploaded":
        return { status: "uploaded", purchaseOrderId: event.data.purchaseOrderId, merchantId: event.data.merchantId };
      case "PurchaseOrderParseFailed":
        return state.status === "none"
          ? state
          : { status: "parse_failed", purchaseOrderId: state.purchaseOrderId, merchantId: state.merchantId };
      case "PurchaseOrderParsed":
        return state.status === "none"
          ? state
          : { status: "parsed", purchaseOrderId: state.purchaseOrderId, merchantId: state.merchantId, lineItems: event.data.lineItems };
      case "DraftsCreated":
        return state.status !== "parsed"
          ? state
          : { ...state, status: "drafts_created", draftIds: event.data.drafts.map((d) => d.draftId) };
    }
  },
};
