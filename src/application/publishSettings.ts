/**
 * What a published product takes from its merchant's settings. The merchant-settings stream
 * (`merchant-<id>`) is where these live; until it is wired in, `defaultPublishSettings` answers
 * for every merchant: products created as drafts in the store, nothing published unasked.
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
