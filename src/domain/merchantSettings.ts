import { z } from "zod";
import type { Decider } from "./decider.ts";
import { ProductLabel, ProductTags } from "./productFields.ts";

/**
 * A merchant's settings (stream `merchant-<merchantId>`): how retail prices are made from unit costs
 * and what a published product carries by default. The merchant itself (name, keys) is data in the
 * merchants table; only these choices are events. Secrets (store tokens, keys) never belong here:
 * the schema is strict, so no field beyond these can reach the log.
 */

export const Rounding = z.enum(["none", ".99", ".95", "whole"], { error: "must be one of none, .99, .95, whole" });
export type Rounding = z.infer<typeof Rounding>;

export const PricingRule = z
  .object({
    /** Retail price = unit cost × markup, before the minimum margin and rounding. */
    markup: z.number({ error: "must be a number" }).positive("must be more than 0").max(100, "must be at most 100"),
    rounding: Rounding,
    /** The share of the retail price that must be left above the unit cost, in percent. */
    minimumMarginPercent: z.number({ error: "must be a number" }).min(0, "must be 0 or more").max(95, "must be at most 95"),
  })
  .strict();
export type PricingRule = z.infer<typeof PricingRule>;

export const PublishStatus = z.enum(["DRAFT", "ACTIVE"], { error: "must be DRAFT or ACTIVE" });

export const MerchantSettings = z
  .object({
    /** null: no rule, the reviewer sets each retail price. */
    pricing: PricingRule.nullable(),
    defaultVendor: ProductLabel.nullable(),
    productType: ProductLabel.nullable(),
    tags: ProductTags,
    /** The status a product is created with in the store. */
    publishStatus: PublishStatus,
    /** Publish a PO's approved drafts as soon as its review is completed. */
    autoPublish: z.boolean({ error: "must be true or false" }),
  })
  .strict();
export type MerchantSettings = z.infer<typeof MerchantSettings>;

/** What a merchant who never saved settings gets: no pricing rule, products created as drafts, nothing published unasked. */
export const DEFAULT_SETTINGS: MerchantSettings = {
  pricing: null,
  defaultVendor: null,
  productType: null,
  tags: [],
  publishStatus: "DRAFT",
  autoPublish: false,
};

// Events: only what changed, so the history says what the merchant changed and when.

export const MerchantSettingsChanged = z.object({
  type: z.literal("MerchantSettingsChanged"),
  data: z.object({
    merchantId: z.string().min(1),
    changes: MerchantSettings.partial().refine((changes) => Object.keys(changes).length > 0, "at least one setting must change"),
  }),
});
export const MerchantSettingsEvent = z.discriminatedUnion("type", [MerchantSettingsChanged]);
export type MerchantSettingsEvent = z.infer<typeof MerchantSettingsEvent>;

export const ChangeMerchantSettings = z.object({
  type: z.literal("ChangeMerchantSettings"),
  data: z.object({ merchantId: z.string().min(1), settings: MerchantSettings }),
});
export type MerchantSettingsCommand = z.infer<typeof ChangeMerchantSettings>;

export type MerchantSettingsState = { settings: MerchantSettings };

export const merchantSettingsStream = (merchantId: string) => `merchant-${merchantId}`;

const SETTING_NAMES = Object.keys(MerchantSettings.shape) as (keyof MerchantSettings)[];

/** JSON with its keys sorted: the log's jsonb keeps object keys in its own order, not the writer's. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
  );

export const merchantSettingsDecider: Decider<MerchantSettingsCommand, MerchantSettingsEvent, MerchantSettingsState> = {
  initialState: { settings: DEFAULT_SETTINGS },
  decide(command, state) {
    const { merchantId, settings } = command.data;
    const changed = SETTING_NAMES.filter((name) => canonical(settings[name]) !== canonical(state.settings[name]));
    // Saving the settings as they are writes nothing, so a double submit leaves no trace.
    if (changed.length === 0) return [];
    const changes = Object.fromEntries(changed.map((name) => [name, settings[name]])) as Partial<MerchantSettings>;
    return [{ type: "MerchantSettingsChanged", data: { merchantId, changes } }];
  },
  evolve(state, event) {
    return { settings: { ...state.settings, ...event.data.changes } };
  },
};
