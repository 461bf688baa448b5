import helmet from "@fastify/helmet";
import multipart from "@fastify/multipart";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyBaseLogger } from "fastify";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import { bearerAuthentication } from "./auth.ts";
import type { AppDependencies } from "./dependencies.ts";
import { errorHandler } from "./errorHandler.ts";
import fastifyStatic from "@fastify/static";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SAMPLE_CATALOG_IMAGES } from "../integrations/imageSearch/fromConfig.ts";
import { adminRoutes } from "./routes/admin.ts";
import { auditLogRoutes } from "./routes/auditLog.ts";
import { auditVerifyRoutes } from "./routes/auditVerify.ts";
import { draftRoutes } from "./routes/drafts.ts";
import { progressEventRoutes } from "./routes/progressEvents.ts";
import { monitoringRoutes } from "./routes/monitoring.ts";
import { optimizationRoutes } from "./routes/optimization.ts";
import { adminPublishingRoutes, publishingRoutes } from "./routes/publishing.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import { purchaseOrderRoutes } from "./routes/purchaseOrders.ts";
import { reviewRoutes } from "./routes/review.ts";
import { merchantRoutes } from "./routes/merchants.ts";
import { auditRoutes } from "./routes/audit.ts";
import { settingsRoutes } from "./routes/settings.ts";
import { limitRequests, registerRateLimiter } from "./requestLimits.ts";
import { closeKeptAliveConnections } from "./closeKeptAlive.ts";

const REVIEW_UI = fileURLToPath(new URL("./ui/", import.meta.url));

/**
 * The review UI loads only its own scripts, styles and API: no inline script or style, no framing,
 * no plugins. Product images may come from any catalog or search result host, so images alone are open.
 * No upgrade-insecure-requests: a server on plain HTTP (the embedded default) would break its own page.
 */
const CONTENT_SECURITY_POLICY: Record<string, string[]> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "https:", "http:", "data:"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};
const CONTENT_SECURITY_POLICY_HEADER = Object.fromEntries(
  Object.entries(CONTENT_SECURITY_POLICY).map(([directive, sources]) => [
    directive.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`),
    sources,
  ]),
);

export async function buildApp(deps: AppDependencies) {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  closeKeptAliveConnections(app);
  app.addHook("onResponse", async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? "unmatched" };
    deps.metrics.httpRequests.inc({ ...labels, status: String(reply.statusCode) });
    deps.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
  });

  await app.register(helmet, { contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY } });
  await registerRateLimiter(app);
  await app.register(multipart, { limits: { fileSize: deps.maxUploadBytes, files: 1, fields: 5, parts: 6 }, throwFileSizeLimit: true });
  await app.register(swagger, {
    openapi: {
      info: { title: "po-pipeline", version: "0.1.0", description: "Upload purchase orders; follow their drafts and images." },
      components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer" } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  // Swagger UI styles its page inline: /docs alone allows inline styles (it shows no user content).
  await app.register(swaggerUi, {
    routePrefix: "/docs",
    staticCSP: { ...CONTENT_SECURITY_POLICY_HEADER, "style-src": ["'self'", "'unsafe-inline'"] },
  });

  app.get("/health", { schema: { hide: true } }, async () => ({ status: "ok" }));
  // The sample catalog's pictures, public like any product image on a CDN.
  await app.register(fastifyStatic, { root: SAMPLE_CATALOG_IMAGES, prefix: "/catalog/images/", decorateReply: false, index: false });
  // The review UI: static files, no build step; it signs in with the merchant's key in the browser.
  await app.register(fastifyStatic, { root: REVIEW_UI, prefix: "/ui/", decorateReply: false, index: false, wildcard: false });
  app.get("/", { schema: { hide: true } }, (_request, reply) =>
    reply.type("text/html; charset=utf-8").send(createReadStream(join(REVIEW_UI, "index.html"))),
  );
  // Browsers ask for /favicon.ico on pages that do not name an icon (/docs, a JSON answer opened in a tab).
  app.get("/favicon.ico", { schema: { hide: true } }, (_request, reply) => reply.redirect("/ui/favicon.svg", 301));

  await app.register(async (admin) => {
    admin.addHook("onRequest", bearerAuthentication({ fixed: [{ merchantId: "admin", key: deps.adminKey }] }, "admin"));
    admin.addHook(
      "onRequest",
      limitRequests(app, deps.limits.adminPerMinute, () => "admin"),
    );
    await admin.register(adminRoutes(deps));
    await admin.register(auditVerifyRoutes(deps));
    await admin.register(auditLogRoutes(deps));
    await admin.register(merchantRoutes(deps));
    await admin.register(monitoringRoutes(deps));
    await admin.register(adminPublishingRoutes(deps));
  });
  await app.register(async (webhooks) => {
    webhooks.addHook(
      "onRequest",
      limitRequests(app, deps.limits.webhookPerMinute, (request) => `webhook:${request.ip}`),
    );
    await webhooks.register(webhookRoutes(deps));
  });

  // Either key: the admin reads every stream, a merchant its own.
  await app.register(auditRoutes(deps));
  await app.register(async (authenticated) => {
    authenticated.addHook("onRequest", bearerAuthentication(deps.keys));
    authenticated.addHook(
      "onRequest",
      limitRequests(app, deps.limits.merchantPerMinute, (request) => `merchant:${request.merchantId}`),
    );
    await authenticated.register(purchaseOrderRoutes(deps));
    await authenticated.register(draftRoutes(deps));
    await authenticated.register(reviewRoutes(deps));
    await authenticated.register(progressEventRoutes(deps));
    await authenticated.register(optimizationRoutes(deps));
    await authenticated.register(publishingRoutes(deps));
    await authenticated.register(settingsRoutes(deps));
  });
  return app;
}
