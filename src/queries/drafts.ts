import { NotFound } from "../errors.ts";
import type { PrismaClient } from "../generated/prisma/client.ts";
import { draftView } from "./views.ts";

export async function getDraft(prisma: PrismaClient, merchantId: string, id: string) {
  const draft = await prisma.productDraft.findFirst({
    where: { id, merchantId },
    include: { images: { orderBy: [{ createdAt: "asc" }, { position: "asc" }] } },
  });
  if (!draft) throw new NotFound("Draft", id);
  return draftView(draft);
}
