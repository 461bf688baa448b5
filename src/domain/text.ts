import { z } from "zod";

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text a person typed, as the log and read models can store it: well-formed Unicode without NUL
 * (PostgreSQL's text and jsonb refuse NUL and unpaired surrogates, so these would fail as 500s later).
 */
export const typedText = () =>
  z.string().refine((text) => !text.includes("\0") && !UNPAIRED_SURROGATE.test(text), "must be Unicode text without NUL characters");
