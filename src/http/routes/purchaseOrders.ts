import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { uploadPurchaseOrder } from "../../application/purchaseOrderCommands.ts";
import { ValidationError } from "../../errors.ts";
import { detectFileKind } from "../../parsing/purchaseOrderParser.ts";
import { decodeCursor, getPurchaseOrder, listPurchaseOrders } from "../../queries/purchaseOrders.ts";
import { settle, type AppDependencies } from "../dependencies.ts";
import { HttpError } from "../errorHandler.ts";
import { concurrentUploadLimit } from "../requestLimits.ts";

const IdParams = z.object({ id: z.uuid({ message: "must be a purchase order id (a UUID)" }) });
const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .refine((c) => decodeCursor(c) !== undefined, "is not a cursor this API returned")
    .optional(),
});

export const purchaseOrderRoutes =
  (deps: AppDependencies): FastifyPluginAsyncZod =>
  async (app) => {
    app.post(
      "/purchase-orders",
      {
        onRequest: concurrentUploadLimit(deps.limits.concurrentUploads),
        schema: {
          summary: "Upload a purchase order file (multipart/form-data, field `file`: CSV, TSV or semicolon-separated)",
          consumes: ["multipart/form-data"],
          response: { 202: z.object({ id: z.uuid(), status: z.literal("uploaded") }) },
        },
      },
      async (request, reply) => {
        if (!request.isMultipart()) {
          throw new HttpError(415, "unsupported_media_type", "Send the file as multipart/form-data in a field named file");
        }
        const part = await request.file();
        if (!part) throw new ValidationError("No file was sent", [{ path: "file", message: "a multipart field named file is required" }]);
        if (part.fieldname !== "file") {
          throw new ValidationError(`The file must be sent in a field named "file", not "${part.fieldname}"`, [
            { path: part.fieldname, message: "unexpected field" },
          ]);
        }
        if (!detectFileKind(part.filename, part.mimetype)) {
          throw new HttpError(
            415,
            "unsupported_media_type",
            `${part.filename} (${part.mimetype}) is not a CSV, TSV or semicolon-separated file`,
          );
        }
        const bytes = await part.toBuffer();
        const accepted = await uploadPurchaseOrder(
          deps.store,
          deps.files,
          { merchantId: request.merchantId, fileName: part.filename, contentType: part.mimetype, bytes },
          deps.clock,
        );
        request.log.info(
          { correlationId: accepted.purchaseOrderId, fileName: part.filename, sizeBytes: bytes.byteLength },
          "purchase order uploaded",
        );
        // Read-your-writes: the answer waits for the drafts' read models, so a GET right after shows them.
        await settle(deps.readModels, accepted.position);
        return reply
          .code(202)
          .header("location", `/purchase-orders/${accepted.purchaseOrderId}`)
          .send({ id: accepted.purchaseOrderId, status: "uploaded" });
      },
    );

    app.get("/purchase-orders", { schema: { summary: "Your purchase orders, newest first", querystring: ListQuery } }, (request) =>
      listPurchaseOrders(deps.prisma, request.merchantId, request.query),
    );

    app.get(
      "/purchase-orders/:id",
      { schema: { summary: "A purchase order with line items, stages and drafts", params: IdParams } },
      (request) => getPurchaseOrder(deps.prisma, request.merchantId, request.params.id),
    );
  };
