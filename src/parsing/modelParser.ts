import { readModelJson } from "../integrations/replicate/modelJson.ts";
import { z } from "zod";
import { Quantity, UnitCost } from "../domain/amounts.ts";
import { LOW_CONFIDENCE, type ParseReport } from "../domain/columnMapping.ts";
import type { LineItem } from "../domain/purchaseOrder.ts";
import { pageImages } from "./pageImages.ts";

/** What the model must answer: the line items, each with the text it read it from. */
export const ModelAnswer = z.object({
  lineItems: z
    .array(
      z.object({
        sku: z.string().trim().min(1).nullable(),
        title: z.string().trim().min(1),
        quantity: Quantity,
        unitCost: UnitCost.nullable(),
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

export type ModelFile = { bytes: Uint8Array; contentType: string };

/** What one prediction reads: the text, or one image (a scanned PDF's page, numbered, or a photo). */
export type ModelPage = { text: string } | { image: string; page?: { number: number; of: number } };

const TEXTUAL = /^(text\/|message\/rfc822)/;

/**
 * The pages a model reads for a file: text as it is; a scanned PDF's page images, one prediction
 * each, because image models take images, not PDFs; an image as it is. A PDF with no page image is
 * refused, since no model would find anything in it.
 */
export async function modelPages(file: ModelFile): Promise<ModelPage[] | { refused: string }> {
  if (TEXTUAL.test(file.contentType)) return [{ text: new TextDecoder().decode(file.bytes) }];
  if (file.contentType !== "application/pdf") return [{ image: dataUrl(file.contentType, file.bytes) }];
  let pages;
  try {
    pages = await pageImages(file.bytes);
  } catch (error) {
    return { refused: `The file is not a readable PDF: ${(error as Error).message}` };
  }
  if (pages.length === 0) return { refused: "The PDF has neither a text layer nor a scanned page image to read" };
  return pages.map(({ page, png }) => ({ image: dataUrl("image/png", png), page: { number: page, of: pages.length } }));
}

const dataUrl = (contentType: string, bytes: Uint8Array) => `data:${contentType};base64,${Buffer.from(bytes).toString("base64")}`;

/** The prediction's input: the instructions with the text, or with the page's image. */
export function modelInput(page: ModelPage, previousErrors?: string): Record<string, unknown> {
  const retry = previousErrors ? `\n\nYour previous answer was refused: ${previousErrors}. Answer again, with JSON only.` : "";
  if ("text" in page) return { prompt: `${INSTRUCTIONS}${retry}\n\nThe purchase order:\n${page.text}` };
  const which = page.page ? `page ${page.page.number} of ${page.page.of} of a scanned purchase order` : "a purchase order";
  return { prompt: `${INSTRUCTIONS}${retry}\n\nThe attached image is ${which}.`, image: page.image };
}

/**
 * Reads every page with the model (`ask` runs one prediction): each answer must pass the schema, a
 * refused one is asked for again once with what was wrong, and a second refusal refuses the whole
 * file, saying which page. The pages' lines are numbered on through the file.
 */
export async function readWithModel(
  pages: ModelPage[],
  ask: (input: Record<string, unknown>) => Promise<unknown>,
  model: string,
): Promise<ModelReading> {
  const lineItems: LineItem[] = [];
  for (const page of pages) {
    const number = "page" in page ? page.page?.number : undefined;
    const read = async (previousErrors?: string) => readModelOutput(await ask(modelInput(page, previousErrors)), model, number);
    let reading = await read();
    if (!reading.ok) reading = await read(reading.errors);
    if (!reading.ok) return pages.length > 1 ? { ok: false, errors: `page ${number}: ${reading.errors}` } : reading;
    lineItems.push(...reading.lineItems.map((line) => ({ ...line, lineNumber: lineItems.length + line.lineNumber })));
  }
  return { ok: true, lineItems, report: { parser: "model", linesFound: lineItems.length, linesLeftOut: 0, leftOut: [] } };
}

export type ModelReading = { ok: true; lineItems: LineItem[]; report: ParseReport } | { ok: false; errors: string };

/**
 * The model's output (text, or text in pieces as language models stream it) as line items, or what
 * is wrong with it. A model's line is never certain: its confidence is at most 0.9, so its own doubt
 * below the threshold flags the line for the reviewer.
 */
export function readModelOutput(output: unknown, model: string, page?: number): ModelReading {
  const answer = readModelJson(output, ModelAnswer);
  if (!answer.ok) return answer;
  const lineItems = answer.value.lineItems.map((line, index) => {
    const confidence = Math.min(0.9, line.confidence);
    return {
      lineNumber: index + 1,
      sku: line.sku,
      title: line.title,
      quantity: line.quantity,
      unitCost: line.unitCost,
      source: { kind: "model" as const, model, ...(page === undefined ? {} : { page }), snippet: line.source.slice(0, 300) },
      confidence,
      concerns: [confidence < LOW_CONFIDENCE ? "the AI model was unsure of this line" : "read by an AI model"],
    };
  });
  return { ok: true, lineItems, report: { parser: "model", linesFound: lineItems.length, linesLeftOut: 0, leftOut: [] } };
}
