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
