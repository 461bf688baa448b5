import { createHash } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.ts";

export type StoredFileContent = { bytes: Uint8Array; contentType: string };

/** Original uploads, content-addressed: the same bytes are stored once, under their sha256. */
export interface FileStore {
  put(bytes: Uint8Array, contentType: string): Promise<string>;
  get(sha256: string): Promise<StoredFileContent | undefined>;
}

export const sha256Of = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

export class PrismaFileStore implements FileStore {
  constructor(private readonly prisma: PrismaClient) {}

  async put(bytes: Uint8Array, contentType: string): Promise<string> {
    const sha256 = sha256Of(bytes);
    // One statement: Prisma's upsert with nothing to update is a transaction of a read and an insert.
    await this.prisma.$executeRaw`
      INSERT INTO "StoredFile" (sha256, "contentType", "sizeBytes", bytes)
      VALUES (${sha256}, ${contentType}, ${bytes.byteLength}, ${new Uint8Array(bytes)})
      ON CONFLICT (sha256) DO NOTHING`;
    return sha256;
  }

  async get(sha256: string): Promise<StoredFileContent | undefined> {
    const file = await this.prisma.storedFile.findUnique({ where: { sha256 } });
    return file ? { bytes: new Uint8Array(file.bytes), contentType: file.contentType } : undefined;
  }
}
