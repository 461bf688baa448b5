import { NotFound } from "../errors.ts";
import type { DraftPublication, PrismaClient } from "../generated/prisma/client.ts";
import { draftView, publicationView } from "./views.ts";

/** Each draft's publication as the API shows it, from the drafts' publication rows. */
export function publicationLookup(rows: DraftPublication[]) {
  const byDraft = new Map(rows.map((row) => [row.draftId, row]));
  return (draftId: string) => publicationView(byDraft.get(draftId));
}

export async function publicationsOf(prisma: PrismaClient, merchantId: string, draftIds: string[]) {
  return publicationLookup(await prisma.draftPublication.findMany({ where: { merchantId, draftId: { in: draftIds } } }));
}

export async function getDraft(prisma: PrismaClient, merchantId: string, id: string) {
  const draft = await prisma.productDraft.findFirst({
    where: { id, merchantId },
    include: { images: { orderBy: [{ createdAt: "asc" }, { position: "asc" }] } },
  });
  if (!draft) throw new NotFound("Draft", id);
  const publication = await publicationsOf(prisma, merchantId, [id]);
  return { ...draftView(draft), publication: publication(id) };
}
