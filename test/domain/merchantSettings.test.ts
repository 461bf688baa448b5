import { describe, expect, it } from "vitest";
import {
  DEFAULT_SETTINGS,
  MerchantSettings,
  merchantSettingsDecider,
  type MerchantSettingsEvent,
} from "../../src/domain/merchantSettings.ts";
import { deciderSpec } from "../../src/testing/givenWhenThen.ts";

const merchantId = "merchant-a";
const spec = deciderSpec(merchantSettingsDecider);
const pricing = { markup: 2.2, rounding: ".99" as const, minimumMarginPercent: 40 };
const configured: MerchantSettings = {
  ...DEFAULT_SETTINGS,
  pricing,
  defaultVendor: "Acme Outdoor",
  tags: ["outdoor", "summer"],
};
const changed: MerchantSettingsEvent = {
  type: "MerchantSettingsChanged",
  data: { merchantId, changes: { pricing, defaultVendor: "Acme Outdoor", tags: ["outdoor", "summer"] } },
};

describe("merchant settings", () => {
  it("records only the settings that differ from the current ones", () => {
    spec
      .given([])
      .when({ type: "ChangeMerchantSettings", data: { merchantId, settings: configured } })
      .then([changed]);
    spec
      .given([changed])
      .when({
        type: "ChangeMerchantSettings",
        data: { merchantId, settings: { ...configured, publishStatus: "ACTIVE", autoPublish: true } },
      })
      .then([{ type: "MerchantSettingsChanged", data: { merchantId, changes: { publishStatus: "ACTIVE", autoPublish: true } } }]);
  });

  it("writes nothing when the settings are saved as they are, whatever order the log kept their keys in", () => {
    spec
      .given([])
      .when({ type: "ChangeMerchantSettings", data: { merchantId, settings: DEFAULT_SETTINGS } })
      .then([]);
    const reordered: MerchantSettingsEvent = {
      ...changed,
      data: { merchantId, changes: { ...changed.data.changes, pricing: { rounding: ".99", minimumMarginPercent: 40, markup: 2.2 } } },
    };
    spec
      .given([reordered])
      .when({ type: "ChangeMerchantSettings", data: { merchantId, settings: configured } })
      .then([]);
  });

  it("can remove the pricing rule", () => {
    spec
      .given([changed])
      .when({ type: "ChangeMerchantSettings", data: { merchantId, settings: { ...configured, pricing: null } } })
      .then([{ type: "MerchantSettingsChanged", data: { merchantId, changes: { pricing: null } } }]);
  });

  it("folds the changes over the defaults", () => {
    const state = [changed].reduce(merchantSettingsDecider.evolve, merchantSettingsDecider.initialState);
    expect(state.settings).toEqual(configured);
  });

  it("refuses fields it does not know, so no secret can reach the log", () => {
    const result = MerchantSettings.safeParse({ ...configured, shopifyAccessToken: "shpat_secret" });
    expect(result.success).toBe(false);
  });

  it("says which field is wrong and why", () => {
    const result = MerchantSettings.safeParse({
      ...configured,
      pricing: { markup: 0, rounding: ".98", minimumMarginPercent: 120 },
      tags: ["a,b", "Summer", "summer"],
      publishStatus: "LIVE",
    });
    expect(result.success).toBe(false);
    const issues = result.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues).toEqual(
      expect.arrayContaining([
        "pricing.markup: must be more than 0",
        "pricing.rounding: must be one of none, .99, .95, whole",
        "pricing.minimumMarginPercent: must be at most 95",
        "tags.0: must not contain a comma",
        "publishStatus: must be DRAFT or ACTIVE",
      ]),
    );
    const duplicates = MerchantSettings.safeParse({ ...configured, tags: ["Summer", "summer"] });
    expect(duplicates.error!.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual(["tags: must not name the same tag twice"]);
  });
});
