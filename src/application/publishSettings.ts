import type { EventStore } from "../eventstore/port.ts";
import { readSettings } from "./settingsCommands.ts";

/**
 * What a published product takes from its merchant's settings (the `merchant-<id>` stream); a
 * merchant who never saved any gets products created as drafts in the store, nothing published unasked.
 */
export type PublishSettings = {
  vendor: string | null;
  productType: string | null;
  tags: string[];
  status: "DRAFT" | "ACTIVE";
  /** Publish a PO's drafts as soon as its review is completed. */
  autoPublish: boolean;
};

export const DEFAULT_PUBLISH_SETTINGS: PublishSettings = { vendor: null, productType: null, tags: [], status: "DRAFT", autoPublish: false };

/** The merchant's settings as the log has them now. */
export type PublishSettingsSource = (merchantId: string) => Promise<PublishSettings>;

export const defaultPublishSettings: PublishSettingsSource = async () => DEFAULT_PUBLISH_SETTINGS;

/** The settings as the merchant last saved them, read from the log at each publish. */
export const publishSettingsFromLog =
  (store: EventStore): PublishSettingsSource =>
  async (merchantId) => {
    const { settings } = await readSettings(store, merchantId);
    return {
      vendor: settings.defaultVendor,
      productType: settings.productType,
      tags: settings.tags,
      status: settings.publishStatus,
      autoPublish: settings.autoPublish,
    };
  };
