import type { FastifyReply } from "fastify";
import { z } from "zod";

/** A resource's revision (or version) as its ETag; If-Match takes one back (`*`, any revision, is as good as none). */
export const ifMatchHeaders = (resource: string, example: string) =>
  z.object({
    "if-match": z
      .string()
      .regex(/^\s*(\*|"\d{1,19}")\s*$/, `must be one ETag this API sent for the ${resource}, e.g. "${example}"`)
      .transform((tag) => (tag.trim() === "*" ? undefined : BigInt(tag.trim().slice(1, -1))))
      .optional(),
  });

export const withETag = <T>(reply: FastifyReply, tag: bigint | number, body: T) => {
  reply.header("etag", `"${tag}"`);
  return body;
};
