import type { Readable } from "node:stream";
import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { correctColumnMapping } from "../../application/columnMappingCommands.ts";
import { uploadPurchaseOrder } from "../../application/purchaseOrderCommands.ts";
import { ColumnChoice } from "../../domain/columnMapping.ts";
import { typedText } from "../../domain/text.ts";
import { ValidationError } from "../../errors.ts";
import { detectFileKind } from "../../parsing/purchaseOrderParser.ts";
import { decodeCursor, getPurchaseOrder, listPurchaseOrders } from "../../queries/purchaseOrders.ts";
import { settle, type AppDependencies } from "../dependencies.ts";
import { HttpError } from "../errorHandler.ts";
import { concurrentUploadLimit } from "../requestLimits.ts";
import { purchaseOrderAsOf } from "../../audit/asOf.ts";
import { AsOf } from "./audit.ts";

const IdParams = z.object({ id: z.uuid({ message: "must be a purchase order id (a UUID)" }) });
/** As the upload's event keeps it. */
const FileName = typedText().min(1, "must not be empty").max(255, "must be at most 255 characters");
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
          summary:
            "Upload a purchase order file (multipart/form-data, field `file`: CSV, TSV, semicolon-separated, .xlsx or a PDF; scans, images and e-mail text with the AI parser on)",
          consumes: ["multipart/form-data"],
          response: { 202: z.object({ id: z.uuid(), status: z.enum(["uploaded", "parsing"]) }) },
        },
      },
      async (request, reply) => {
        // The background thread gives way while a merchant waits for this answer.
        deps.foregroundBusy.begin();
        try {
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
          const fileName = FileName.safeParse(part.filename);
          if (!fileName.success) {
            const message = fileName.error.issues[0]!.message;
            throw new ValidationError(`The file's name ${message}`, [{ path: "file.filename", message }]);
          }
          if (!detectFileKind(part.filename, part.mimetype)) {
            throw new HttpError(
              415,
              "unsupported_media_type",
              `${part.filename} (${part.mimetype}) is not a file we read: send CSV, TSV, semicolon-separated, .xlsx (save an .xls as .xlsx), a PDF or a PNG/JPEG/WebP scan`,
            );
          }
          const bytes = await readWithinLimit(part.file, deps.maxUploadBytes, reply);
          const accepted = await uploadPurchaseOrder(
            deps.store,
            deps.files,
            { merchantId: request.merchantId, fileName: part.filename, contentType: part.mimetype, bytes },
            deps.clock,
            { modelParsing: deps.modelParsing },
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
            .send({ id: accepted.purchaseOrderId, status: accepted.parsing === "model" ? "parsing" : "uploaded" });
        } finally {
          deps.foregroundBusy.end();
        }
      },
    );

    app.get("/purchase-orders", { schema: { summary: "Your purchase orders, newest first", querystring: ListQuery } }, (request) =>
      listPurchaseOrders(deps.prisma, request.merchantId, request.query),
    );

    app.get(
      "/purchase-orders/:id",
      {
        schema: {
          summary:
            "A purchase order with line items, stages and drafts; with asOf (an ISO time or a log position), as it was then, rebuilt from the log",
          params: IdParams,
          querystring: z.object({ asOf: AsOf.optional() }),
        },
      },
      (request) =>
        request.query.asOf
          ? purchaseOrderAsOf(deps.store, { kind: "merchant", merchantId: request.merchantId }, request.params.id, request.query.asOf)
          : getPurchaseOrder(deps.prisma, request.merchantId, request.params.id),
    );

    app.put(
      "/purchase-orders/:id/column-mapping",
      {
        schema: {
          summary:
            "Correct which column holds each field (1-based; null: the file has none). The file is parsed again with it, the drafts follow, and the supplier's header row is remembered",
          params: IdParams,
          body: ColumnChoice,
        },
      },
      async (request) => {
        const { merchantId } = request;
        const corrected = await correctColumnMapping(
          deps.store,
          deps.files,
          { merchantId, purchaseOrderId: request.params.id, columns: request.body },
          deps.clock,
        );
        await Promise.all([settle(deps.readModels, corrected.position), settle(deps.imageReadModels, corrected.position)]);
        return getPurchaseOrder(deps.prisma, merchantId, request.params.id);
      },
    );
  };

/**
 * The file's bytes, refused with 413 the moment they pass the limit: the rest of the body is not
 * read (the connection is closed), where the multipart reader would read it to its end, discarding.
 */
function readWithinLimit(file: Readable, maxBytes: number, reply: FastifyReply): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    file.on("data", (chunk: Buffer) => chunks.push(chunk));
    file.once("limit", () => {
      chunks.length = 0;
      reply.header("connection", "close");
      reject(new HttpError(413, "payload_too_large", `The file is larger than MAX_UPLOAD_BYTES (${maxBytes} bytes)`));
    });
    file.once("end", () => resolve(Buffer.concat(chunks)));
    file.once("error", reject);
  });
}
