import { z } from "zod";
import { LOW_CONFIDENCE, type ParseReport } from "../domain/columnMapping.ts";
import type { LineItem } from "../domain/purchaseOrder.ts";

/** What the model must answer: the line items, each with the text it read it from. */
export const ModelAnswer = z.object({
  lineItems: z
    .array(
      z.object({
        sku: z.string().trim().min(1).nullable(),
        title: z.string().trim().min(1),
        quantity: z.number().positive(),
        unitCost: z.number().nonnegative().nullable(),
        source: z.string().min(1),
        confidence: z.number().min(0).max(1),
      }),
    )
    .min(1),
});

const INSTRUCTIONS = `You read supplier purchase orders. Answer with JSON only, no prose, of this shape:
{"lineItems":[{"sku":string|null,"title":string,"quantity":number,"unitCost":number|null,"source":string,"confidence":number}]}
One entry per product line. "source" quotes the text of the line you read it from. "confidence" (0 to 1) says how sure you are.
Leave out totals, taxes, freight, discounts, addresses and notes. Numbers are plain JSON numbers (12.5, not "12,50 €").`;

export type ModelFile = { bytes: Uint8Array; contentType: string; text?: string };

/** The prediction's input: the instructions with the text, or with the document itself for a scan or an image. */
export function modelInput(file: ModelFile, previousErrors?: string): Record<string, unknown> {
  const retry = previousErrors ? `\n\nYour previous answer was refused: ${previousErrors}. Answer again, with JSON only.` : "";
  if (file.text !== undefined) return { prompt: `${INSTRUCTIONS}${retry}\n\nThe purchase order:\n${file.text}` };
  const dataUrl = `data:${file.contentType};base64,${Buffer.from(file.bytes).toString("base64")}`;
  return {
    prompt: `${INSTRUCTIONS}${retry}\n\nThe purchase order is the attached ${file.contentType === "application/pdf" ? "document" : "image"}.`,
    image: dataUrl,
  };
}

export type ModelReading = { ok: true; lineItems: LineItem[]; report: ParseReport } | { ok: false; errors: string };

/**
 * The model's output (text, or text in pieces as language models stream it) as line items, or what
 * is wrong with it. A model's line is never certain: its confidence is at most 0.9, so its own doubt
 * below the threshold flags the line for the reviewer.
 */
export function readModelOutput(output: unknown, model: string): ModelReading {
  const text = Array.isArray(output) ? output.join("") : typeof output === "string" ? output : JSON.stringify(output ?? null);
  const json = /\{[\s\S]*\}/.exec(text.replace(/```(json)?/g, ""))?.[0];
  let value: unknown;
  try {
    value = JSON.parse(json ?? "");
  } catch {
    return { ok: false, errors: "the answer is not JSON" };
  }
  const answer = ModelAnswer.safeParse(value);
  if (!answer.success) {
    return { ok: false, errors: answer.error.issues.map((i) => `${i.path.join(".") || "answer"}: ${i.message}`).join("; ") };
  }
  const lineItems = answer.data.lineItems.map((line, index) => {
    const confidence = Math.min(0.9, line.confidence);
    return {
      lineNumber: index + 1,
      sku: line.sku,
      title: line.title,
      quantity: line.quantity,
      unitCost: line.unitCost,
      source: { kind: "model" as const, model, snippet: line.source.slice(0, 300) },
      confidence,
      concerns: [confidence < LOW_CONFIDENCE ? "the AI model was unsure of this line" : "read by an AI model"],
    };
  });
  return { ok: true, lineItems, report: { parser: "model", linesFound: lineItems.length, linesLeftOut: 0, leftOut: [] } };
}
