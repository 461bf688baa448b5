/** Typed failures the HTTP layer maps to status codes; never thrown as strings. */

export class ConcurrencyError extends Error {
  override readonly name = "ConcurrencyError";
  constructor(
    readonly streamName: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`Stream ${streamName} is at ${actual}, expected ${expected}`);
  }
}

export class NotFound extends Error {
  override readonly name = "NotFound";
  constructor(
    readonly resource: string,
    readonly id: string,
  ) {
    super(`${resource} ${id} was not found`);
  }
}

export type ValidationIssue = { path: string; message: string; line?: number; column?: number };

export class ValidationError extends Error {
  override readonly name = "ValidationError";
  constructor(
    message: string,
    readonly issues: ValidationIssue[] = [],
  ) {
    super(message);
  }
}

/** A command that is well-formed but not allowed in the aggregate's current state. */
export class DomainRuleViolation extends Error {
  override readonly name = "DomainRuleViolation";
}

/** A failure worth retrying later (429, 5xx, a timeout); `retryAfterMs` is the server's own wish. */
export class TransientError extends Error {
  override readonly name = "TransientError";
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * An event in the log that its schema refuses. The log is ours, so this is a fault on our side,
 * never the fault of the request that happened to read it; a consumer can quarantine the event by it.
 */
export class UndecodableEvent extends Error {
  override readonly name = "UndecodableEvent";
  constructor(
    readonly event: { id: string; type: string; streamName: string; revision: bigint; position: bigint },
    readonly issues: ValidationIssue[],
  ) {
    super(
      `Event ${event.id} (${event.type}) at ${event.streamName}@${event.revision}, position ${event.position}, does not match its schema: ${issues.map((i) => `${i.path || "(root)"}: ${i.message}`).join("; ")}`,
    );
  }
}

/** The client changed a resource on the strength of a revision that is no longer the current one. */
export class PreconditionFailed extends Error {
  override readonly name = "PreconditionFailed";
  constructor(
    readonly resource: string,
    readonly id: string,
    readonly givenRevision: bigint,
    readonly currentRevision: bigint,
  ) {
    super(`${resource} ${id} is at revision ${currentRevision}, not ${givenRevision} as the request's If-Match says`);
  }
}
