import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listQuarantined, type QuarantinedEvent } from "../../consumers/quarantine.ts";
import { ProcessorName } from "../../processmanagers/registry.ts";
import type { AppDependencies } from "../dependencies.ts";

const NameParams = z.object({ name: ProcessorName });
const ProjectorName = z.string().regex(/^[a-z-]+$/, "must be a projector name, as GET /admin/projections lists them");
const PurchaseOrderRef = z.string().min(1).max(200);
const QuarantineParams = z.object({ name: ProjectorName, purchaseOrderId: PurchaseOrderRef });
const ProcessorQuarantineParams = z.object({ name: ProcessorName, purchaseOrderId: PurchaseOrderRef });

const quarantinedView = (row: QuarantinedEvent) => ({
  ...row,
  position: row.position.toString(),
  heldBehind: row.heldBehind?.toString() ?? null,
  quarantinedAt: row.quarantinedAt.toISOString(),
});
const ParkedParams = z.object({ id: z.uuid({ message: "must be a parked message id (a UUID)" }) });

const parkedView = (message: Awaited<ReturnType<AppDependencies["runtime"]["parked"]>>[number]) => ({
  ...message,
  position: message.position.toString(),
  parkedAt: message.parkedAt.toISOString(),
});

/** Operating the processors: behind the admin key, never a merchant's. */
export const adminRoutes =
  ({ runtime, projections, prisma }: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      "/admin/projections",
      { schema: { summary: "Each projector: which process applies its events, its checkpoint and quarantine" } },
      async () => ({
        projections: await projections.status(),
      }),
    );

    app.get(
      "/admin/quarantine",
      {
        schema: {
          summary: "Events the consumers quarantined, with their errors: of one consumer (projection:<name>, processor:<name>) or all",
          querystring: z.object({
            consumer: z
              .string()
              .regex(/^(projection|processor):[a-z-]+$/, "must be projection:<name> or processor:<name>")
              .optional(),
          }),
        },
      },
      async (request) => ({
        quarantined: (await listQuarantined(prisma, request.query.consumer ? { consumer: request.query.consumer } : {})).map(
          quarantinedView,
        ),
      }),
    );

    app.post(
      "/admin/projections/:name/quarantine/:purchaseOrderId/retry",
      { schema: { summary: "Apply a PO's quarantined events again, in order (after the cause is fixed)", params: QuarantineParams } },
      (request) => projections.retry(request.params.name, request.params.purchaseOrderId),
    );

    app.post(
      "/admin/projections/:name/quarantine/:purchaseOrderId/skip",
      { schema: { summary: "Give up on a PO's quarantined events (recorded in its stage log)", params: QuarantineParams } },
      (request) => projections.skip(request.params.name, request.params.purchaseOrderId, "admin"),
    );

    app.get(
      "/admin/processors",
      { schema: { summary: "Each processor's checkpoint, lag, in-flight work and parked messages" } },
      async () => ({
        processors: await runtime.status(),
      }),
    );

    app.post(
      "/admin/processors/:name/quarantine/:purchaseOrderId/retry",
      {
        schema: {
          summary: "Run a PO's quarantined events of a processor again, in order (after the cause is fixed)",
          params: ProcessorQuarantineParams,
        },
      },
      (request) => runtime.retryQuarantined(request.params.name, request.params.purchaseOrderId),
    );

    app.post(
      "/admin/processors/:name/quarantine/:purchaseOrderId/skip",
      {
        schema: {
          summary: "Give up on a PO's quarantined events of a processor (recorded in its stage log)",
          params: ProcessorQuarantineParams,
        },
      },
      (request) => runtime.skipQuarantined(request.params.name, request.params.purchaseOrderId, "admin"),
    );

    app.post("/admin/processors/:name/pause", { schema: { summary: "Stop taking new events", params: NameParams } }, async (request) => {
      await runtime.pause(request.params.name);
      return { name: request.params.name, paused: true };
    });

    app.post(
      "/admin/processors/:name/resume",
      { schema: { summary: "Take events again from the checkpoint", params: NameParams } },
      async (request) => {
        await runtime.resume(request.params.name);
        return { name: request.params.name, paused: false };
      },
    );

    app.post(
      "/admin/processors/:name/replay-parked",
      {
        schema: {
          summary: "With EventStoreDB: send what the server parked for the processor's consumer group back to its workers",
          params: NameParams,
        },
      },
      (request) => runtime.replayParkedOnServer(request.params.name),
    );

    app.get(
      "/admin/parked",
      { schema: { summary: "Parked messages, of one processor or all", querystring: z.object({ processor: ProcessorName.optional() }) } },
      async (request) => ({
        parked: (await runtime.parked(request.query.processor)).map(parkedView),
      }),
    );

    app.post("/admin/parked/:id/retry", { schema: { summary: "Run a parked message again", params: ParkedParams } }, (request) =>
      runtime.retryParked(request.params.id),
    );

    app.delete(
      "/admin/parked/:id",
      { schema: { summary: "Discard a parked message (recorded as skipped in the stage log)", params: ParkedParams } },
      async (request, reply) => {
        await runtime.discardParked(request.params.id, "admin");
        return reply.code(204).send();
      },
    );
  };
