import type { z } from "zod";
import type { ValidationIssue } from "../errors.ts";

/** A zod failure as the project's issues, each with its dotted path (under `prefix`, if given). */
export const issuesOf = (error: z.ZodError, prefix?: string): ValidationIssue[] =>
  error.issues.map((issue) => ({ path: [...(prefix ? [prefix] : []), ...issue.path.map(String)].join("."), message: issue.message }));
