import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { concatMap, filter, tap, type Subscription } from "rxjs";
import { z } from "zod";
import { followLog } from "../../consumers/followLog.ts";
import { EventMetadata } from "../../domain/metadata.ts";
import { purchaseOrderStream } from "../../domain/purchaseOrder.ts";
import { reviewSessionStream } from "../../domain/reviewSession.ts";
import { workflowStream } from "../../domain/workflow.ts";
import { NotFound } from "../../errors.ts";
import type { RecordedEvent } from "../../eventstore/port.ts";
import type { AppDependencies } from "../dependencies.ts";

const HEARTBEAT_MS = 15_000;

const Params = z.object({ id: z.uuid({ message: "must be a purchase order id (a UUID)" }) });
const MAX_POSITION = 2n ** 63n - 1n;
const Position = z
  .string()
  .regex(/^\d{1,19}$/, "must be an event position this stream sent as an id")
  .refine((value) => !/^\d+$/.test(value) || BigInt(value) <= MAX_POSITION, "must be an event position this stream sent as an id");
const Query = z.object({ lastEventId: Position.optional() });
const Headers = z.object({ "last-event-id": Position.optional() });

const belongsTo = (purchaseOrderId: string, merchantId: string) => (event: RecordedEvent) => {
  const metadata = EventMetadata.safeParse(event.metadata);
  return metadata.success && metadata.data.correlationId === purchaseOrderId && metadata.data.merchantId === merchantId;
};

const frame = (event: RecordedEvent) =>
  `id: ${event.position}\nevent: ${event.type}\ndata: ${JSON.stringify({ type: event.type, stream: event.streamName, position: event.position.toString(), at: event.created.toISOString(), data: event.data })}\n\n`;

/**
 * A PO's progress as server-sent events, fed by a subscription to the log. Each event is sent once
 * the read models include it, so a client that re-reads on an event sees what it announced.
 * Resumes after `Last-Event-ID` (header, or `lastEventId` for clients that cannot set headers);
 * without one it starts with the PO's first event.
 */
export const progressEventRoutes =
  (deps: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    // Open streams would keep the server from closing: a shutdown ends them (clients resume).
    const open = new Set<() => void>();
    app.addHook("preClose", async () => {
      for (const end of open) end();
    });

    app.get(
      "/purchase-orders/:id/events",
      {
        schema: {
          summary: "The PO's events, live (text/event-stream), resumable with Last-Event-ID",
          params: Params,
          querystring: Query,
          headers: Headers,
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const [first] = await deps.store.readStream(purchaseOrderStream(id), { maxCount: 1 });
        if (!first || !belongsTo(id, request.merchantId)(first)) throw new NotFound("Purchase order", id);
        const resumeAfter = request.headers["last-event-id"] ?? request.query.lastEventId;

        reply.hijack();
        const out = reply.raw;
        out.writeHead(200, {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-cache, no-transform",
          connection: "keep-alive",
          "x-accel-buffering": "no",
        });
        out.write(": connected\n\n");
        // The PO's first event is sent as read, and the subscription follows it: EventStoreDB takes only positions it gave.
        if (resumeAfter === undefined) {
          await deps.allReadModels.waitFor(first.position);
          out.write(frame(first));
        }
        const heartbeat = setInterval(() => out.write(": keep-alive\n\n"), HEARTBEAT_MS);
        const mine = belongsTo(id, request.merchantId);
        // A failed subscription resubscribes after the last event it delivered: the client sees no gap.
        let delivered = resumeAfter === undefined ? first.position : BigInt(resumeAfter);
        const streamNamePrefixes = [purchaseOrderStream(id), workflowStream(id), reviewSessionStream(id), "draft-"];
        const subscription: Subscription = followLog(
          deps.store,
          { consumer: `progress:${id}`, after: () => delivered, filter: { streamNamePrefixes } },
          request.log,
        )
          .pipe(
            tap((message) => {
              if (message.kind === "event") delivered = message.event.position;
            }),
            filter((message) => message.kind === "caughtUp" || mine(message.event)),
            concatMap(async (message) => {
              if (message.kind === "caughtUp") return `event: caught-up\ndata: {}\n\n`;
              await deps.allReadModels.waitFor(message.event.position);
              return frame(message.event);
            }),
          )
          .subscribe({
            next: (text) => out.write(text),
            error: (error: unknown) => {
              request.log.error({ err: error, correlationId: id }, "progress stream failed");
              out.end();
            },
          });
        const end = () => {
          clearInterval(heartbeat);
          subscription.unsubscribe();
          open.delete(end);
          out.end();
        };
        open.add(end);
        out.once("close", end);
      },
    );
  };
