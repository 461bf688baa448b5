import type { z } from "zod";

export type ModelJson<T> = { ok: true; value: T } | { ok: false; errors: string };

/**
 * A language model's answer (text, or text in pieces as such models stream it, fenced as often as
 * not) as the JSON object it should hold, checked by `schema`; or what is wrong with it, in words
 * the model can be asked again with.
 */
export function readModelJson<T>(output: unknown, schema: z.ZodType<T>): ModelJson<T> {
  const text = Array.isArray(output) ? output.join("") : typeof output === "string" ? output : JSON.stringify(output ?? null);
  const json = /\{[\s\S]*\}/.exec(text.replace(/```(json)?/g, ""))?.[0];
  let value: unknown;
  try {
    value = JSON.parse(json ?? "");
  } catch {
    return { ok: false, errors: "the answer is not JSON" };
  }
  const answer = schema.safeParse(value);
  if (!answer.success)
    return { ok: false, errors: answer.error.issues.map((i) => `${i.path.join(".") || "answer"}: ${i.message}`).join("; ") };
  return { ok: true, value: answer.data };
}
