import { NotFound } from "../errors.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { draftView, publicationView } from "./views.ts";

/** The drafts' publication rows, by draft id. */
export async function publicationsOf(prisma: PrismaClient, merchantId: string, draftIds: string[]) {
  const rows = await prisma.draftPublication.findMany({ where: { merchantId, draftId: { in: draftIds } } });
  const byDraft = new Map(rows.map((row) => [row.draftId, row]));
  return (draftId: string) => publicationView(byDraft.get(draftId));
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
