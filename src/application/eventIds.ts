import { parse as parseUuid, v5 as uuidv5 } from "uuid";

// As bytes once: given strings, the library parses the namespace and re-encodes the name on every call.
const NAMESPACE = parseUuid("6f1c3f5e-8a2b-4f7d-9c1e-2b7a4d9e0c31");

/**
 * Ids of everything a processor writes are derived from what caused it, so a redelivered
 * event re-derives the same ids and the store's idempotent append writes nothing twice.
 */
export const derivedId = (...parts: string[]): string => uuidv5(Buffer.from(parts.join("\u241f"), "utf8"), NAMESPACE);
