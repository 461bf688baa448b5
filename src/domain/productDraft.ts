import { z } from "zod";
import { NotFound } from "../errors.ts";
import type { Decider } from "./decider.ts";
import { DraftSpec } from "./purchaseOrder.ts";

export const DraftChanges = z
  .object({
    title: z.string().trim().min(1).max(500),
    sku: z.string().trim().min(1).max(100).nullable(),
    quantity: z.number().positive().finite(),
    unitCost: z.number().nonnegative().finite().nullable(),
  })
  .partial()
  .strict()
  .refine((changes) => Object.keys(changes).length > 0, "at least one of title, sku, quantity, unitCost is required");
export type DraftChanges = z.infer<typeof DraftChanges>;

// Events

export const DraftCreated = z.object({
  type: z.literal("DraftCreated"),
  data: DraftSpec.extend({ purchaseOrderId: z.uuid(), merchantId: z.string().min(1) }),
});
export const DraftUpdated = z.object({
  type: z.literal("DraftUpdated"),
  data: z.object({ draftId: z.uuid(), changes: DraftChanges }),
});
export const DraftDeleted = z.object({
  type: z.literal("DraftDeleted"),
  data: z.object({ draftId: z.uuid() }),
});

export const ProductDraftEvent = z.discriminatedUnion("type", [DraftCreated, DraftUpdated, DraftDeleted]);
export type ProductDraftEvent = z.infer<typeof ProductDraftEvent>;

// Commands: every one names the merchant, so another merchant's draft is indistinguishable from a missing one.

export const CreateDraft = z.object({ type: z.literal("CreateDraft"), data: DraftCreated.shape.data });
export const UpdateDraft = z.object({
  type: z.literal("UpdateDraft"),
  data: z.object({ draftId: z.uuid(), merchantId: z.string(), changes: DraftChanges }),
});
export const DeleteDraft = z.object({
  type: z.literal("DeleteDraft"),
  data: z.object({ draftId: z.uuid(), merchantId: z.string() }),
});
export const ProductDraftCommand = z.discriminatedUnion("type", [CreateDraft, UpdateDraft, DeleteDraft]);
export type ProductDraftCommand = z.infer<typeof ProductDraftCommand>;

// State

type DraftFields = z.infer<typeof DraftCreated.shape.data>;
export type ProductDraftState =
  | { status: "none" }
  | ({ status: "active" | "deleted" } & DraftFields);

export const productDraftStream = (draftId: string) => `draft-${draftId}`;

function activeDraftOf(state: ProductDraftState, draftId: string, merchantId: string) {
  if (state.status !== "active" || state.merchantId !== merchantId) throw new NotFound("Draft", draftId);
  return state;
}

export const productDraftDecider: Decider<ProductDraftCommand, ProductDraftEvent, ProductDraftState> = {
  initialState: { status: "none" },

  decide(command, state) {
    switch (command.type) {
      case "CreateDraft":
        // Creation is driven by a processor that may be redelivered; once created, it is done.
        return state.status === "none" ? [{ type: "DraftCreated", data: command.data }] : [];
      case "UpdateDraft":
        activeDraftOf(state, command.data.draftId, command.data.merchantId);
        return [{ type: "DraftUpdated", data: { draftId: command.data.draftId, changes: command.data.changes } }];
      case "DeleteDraft":
        activeDraftOf(state, command.data.draftId, command.data.merchantId);
        return [{ type: "DraftDeleted", data: { draftId: command.data.draftId } }];
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case "DraftCreated":
        return { status: "active", ...event.data };
      case "DraftUpdated":
        return state.status === "none" ? state : { ...state, ...event.data.changes };
      case "DraftDeleted":
        return state.status === "none" ? state : { ...state, status: "deleted" };
    }
  },
};
