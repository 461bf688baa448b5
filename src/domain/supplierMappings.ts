import { z } from "zod";
import { ColumnChoice } from "./columnMapping.ts";
import type { Decider } from "./decider.ts";

/**
 * The column mappings a merchant corrected, one per supplier header row (stream `mappings-<merchantId>`),
 * so the next file with the same header row is read the way the merchant said, without asking again.
 */
export const ColumnMappingRemembered = z.object({
  type: z.literal("ColumnMappingRemembered"),
  data: z.object({
    merchantId: z.string().min(1),
    headerSignature: z.string().min(1),
    columns: ColumnChoice,
    purchaseOrderId: z.uuid(),
  }),
});
export const SupplierMappingEvent = z.discriminatedUnion("type", [ColumnMappingRemembered]);
export type SupplierMappingEvent = z.infer<typeof SupplierMappingEvent>;

export const RememberColumnMapping = z.object({ type: z.literal("RememberColumnMapping"), data: ColumnMappingRemembered.shape.data });
export type SupplierMappingCommand = z.infer<typeof RememberColumnMapping>;

export type SupplierMappingState = { bySignature: Record<string, ColumnChoice> };

export const supplierMappingStream = (merchantId: string) => `mappings-${merchantId}`;

const sameChoice = (a: ColumnChoice | undefined, b: ColumnChoice) => a !== undefined && JSON.stringify(a) === JSON.stringify(b);

export const supplierMappingDecider: Decider<SupplierMappingCommand, SupplierMappingEvent, SupplierMappingState> = {
  initialState: { bySignature: {} },
  decide(command, state) {
    // Remembering what is already remembered writes nothing.
    if (sameChoice(state.bySignature[command.data.headerSignature], command.data.columns)) return [];
    return [{ type: "ColumnMappingRemembered", data: command.data }];
  },
  evolve(state, event) {
    return { bySignature: { ...state.bySignature, [event.data.headerSignature]: event.data.columns } };
  },
};
