import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { readSettings, saveSettings, type VersionedSettings } from "../../application/settingsCommands.ts";
import { MerchantSettings } from "../../domain/merchantSettings.ts";
import type { FastifyReply } from "fastify";
import type { AppDependencies } from "../dependencies.ts";
import { ifMatchHeaders, withETag } from "../ifMatch.ts";

const withVersion = (reply: FastifyReply, versioned: VersionedSettings) =>
  withETag(reply, versioned.version, { settings: versioned.settings, version: versioned.version });

/** Read from the merchant's own stream, so an answer is never behind the last save. */
export const settingsRoutes =
  (deps: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/settings",
      { schema: { summary: "The merchant's pricing rule and product defaults; its ETag is the settings' version (0: never saved)" } },
      async (request, reply) => withVersion(reply, await readSettings(deps.store, request.merchantId)),
    );

    app.put(
      "/settings",
      {
        schema: {
          summary: "Replace the merchant's settings; with If-Match, only if they are still at that version (else 412)",
          headers: ifMatchHeaders("settings", "0"),
          body: MerchantSettings,
        },
      },
      async (request, reply) => {
        const ifMatch = request.headers["if-match"];
        const saved = await saveSettings(deps.store, request.merchantId, request.body, ifMatch === undefined ? undefined : Number(ifMatch));
        request.log.info({ merchantId: request.merchantId, version: saved.version }, "settings saved");
        return withVersion(reply, saved);
      },
    );
  };
