import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { isDatabaseUnavailable } from "../db/errors.ts";
import { ConcurrencyError, DomainRuleViolation, NotFound, PreconditionFailed, UndecodableEvent, ValidationError } from "../errors.ts";

/** A failure that only exists at the HTTP boundary (e.g. the wrong media type). */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export type ErrorBody = { error: string; message: string; issues?: unknown[]; revisions?: { given: number; current: number } };

/** Maps typed failures to HTTP. Every body says what went wrong and where. */
export function errorHandler(error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply) {
  const send = (status: number, body: ErrorBody) => reply.code(status).send(body);
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => ({
      path: [error.validationContext, ...v.instancePath.split("/").filter(Boolean)].join("."),
      message: v.message,
    }));
    return send(400, {
      error: "invalid_request",
      message: `Invalid ${error.validationContext}: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      issues,
    });
  }
  if (error instanceof HttpError) return send(error.statusCode, { error: error.code, message: error.message });
  if (error instanceof ValidationError) return send(422, { error: "invalid_input", message: error.message, issues: error.issues });
  if (error instanceof NotFound) return send(404, { error: "not_found", message: error.message });
  if (error instanceof PreconditionFailed) {
    const revisions = { given: Number(error.givenRevision), current: Number(error.currentRevision) };
    return send(412, { error: "precondition_failed", message: error.message, revisions });
  }
  if (error instanceof ConcurrencyError)
    return send(409, { error: "conflict", message: "The resource changed while your request ran; retry it" });
  if (error instanceof DomainRuleViolation) return send(409, { error: "conflict", message: error.message });
  if (error.code === "FST_REQ_FILE_TOO_LARGE" || error.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return send(413, { error: "payload_too_large", message: error.message });
  }
  if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return send(415, { error: "unsupported_media_type", message: error.message });
  if (error.code === "FST_ERR_CTP_INVALID_JSON_BODY") {
    // Fastify gives one error for both, and drops the parser's reason.
    const message = "The request body is not valid JSON, or it has a key named __proto__ or constructor.prototype, which are refused";
    return send(400, { error: "invalid_json", message, issues: [{ path: "body", message }] });
  }
  if (error.code === "FST_ERR_CTP_EMPTY_JSON_BODY" || error instanceof SyntaxError) {
    const message = `The request body is not valid JSON: ${error.message}`;
    return send(400, { error: "invalid_json", message, issues: [{ path: "body", message }] });
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return send(error.statusCode, { error: error.code ?? "bad_request", message: error.message });
  }
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, "database unavailable");
    reply.header("retry-after", "2");
    return send(503, { error: "unavailable", message: "The database cannot be reached just now; retry in a few seconds" });
  }
  // An event in the log that our schemas refuse is our fault, whichever request came across it.
  request.log.error({ err: error }, error instanceof UndecodableEvent ? "undecodable event in the log" : "unhandled error");
  return send(500, { error: "internal", message: "Something went wrong on our side; nothing you sent was lost" });
}
