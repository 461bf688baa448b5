import { randomUUID } from "node:crypto";
import { ConcurrencyError, PreconditionFailed } from "../errors.ts";
import { merchantSettingsStream, type MerchantSettings } from "../domain/merchantSettings.ts";
import type { EventStore } from "../eventstore/port.ts";
import { merchantSettings } from "./aggregates.ts";
import type { CommandContext } from "./commandHandler.ts";

/**
 * The settings' version is the number of changes recorded: 0 before the first save, so a client can
 * say "only if nobody saved settings yet" with If-Match "0". Its revision is one less.
 */
export type VersionedSettings = { settings: MerchantSettings; version: number };

const versionOf = (revision: bigint | undefined) => (revision === undefined ? 0 : Number(revision) + 1);
const revisionOf = (version: number) => (version === 0 ? undefined : BigInt(version - 1));

/** Settings changes have no PO; they correlate with the merchant's settings stream. */
const settingsContext = (merchantId: string): CommandContext => ({
  merchantId,
  correlationId: merchantSettingsStream(merchantId),
  causationId: randomUUID(),
  actor: `merchant:${merchantId}`,
});

export async function readSettings(store: EventStore, merchantId: string): Promise<VersionedSettings> {
  const { state, revision } = await merchantSettings.load(store, merchantId);
  return { settings: state.settings, version: versionOf(revision) };
}

/**
 * Replaces the merchant's settings. With `ifMatch` (the version the merchant last saw) the append is
 * made under that version, so settings someone saved since are refused by the log itself (412).
 */
export async function saveSettings(
  store: EventStore,
  merchantId: string,
  settings: MerchantSettings,
  ifMatch?: number,
): Promise<VersionedSettings & { position: bigint | undefined }> {
  const command = { type: "ChangeMerchantSettings" as const, data: { merchantId, settings } };
  const context = settingsContext(merchantId);
  const current = await merchantSettings.load(store, merchantId);
  const currentVersion = versionOf(current.revision);
  if (
    ifMatch !== undefined &&
    ifMatch !== currentVersion &&
    merchantSettings.aggregate.decider.decide(command, current.state).length === 0
  ) {
    // Nothing to append, so the log has no revision to check: a stale If-Match is refused all the same.
    throw new PreconditionFailed("Settings of merchant", merchantId, BigInt(ifMatch), BigInt(currentVersion));
  }
  try {
    const alreadyLoaded = ifMatch === undefined ? current : { ...current, revision: revisionOf(ifMatch) };
    const handled = await merchantSettings.handle(store, merchantId, command, context, {
      alreadyLoaded,
      attempts: ifMatch === undefined ? 5 : 1,
    });
    return { settings: handled.state.settings, version: versionOf(handled.nextExpectedRevision), position: handled.position };
  } catch (error) {
    if (!(error instanceof ConcurrencyError) || ifMatch === undefined) throw error;
    const latest = await merchantSettings.load(store, merchantId);
    throw new PreconditionFailed("Settings of merchant", merchantId, BigInt(ifMatch), BigInt(versionOf(latest.revision)));
  }
}
