import { readdir, readFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const DOMAIN = resolve("src/domain");
const ERRORS = resolve("src/errors.ts");

/** Every module specifier a file imports or re-exports, statically or dynamically. */
function importSpecifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1]!));
}

/** What `file` imports from outside the domain, other than zod and the project's errors. */
function outwardImports(file: string, source: string): string[] {
  return importSpecifiers(source).filter((specifier) => {
    if (specifier === "zod") return false;
    if (!specifier.startsWith(".")) return true;
    const target = resolve(dirname(file), specifier);
    return target !== ERRORS && relative(DOMAIN, target).startsWith("..");
  });
}

describe("the domain", () => {
  it("imports only zod, its own files and src/errors.ts", async () => {
    const files = (await readdir(DOMAIN, { recursive: true })).filter((name) => name.endsWith(".ts")).map((name) => join(DOMAIN, name));
    expect(files.length).toBeGreaterThan(5);
    const outward = await Promise.all(
      files.map(async (file) => outwardImports(file, await readFile(file, "utf8")).map((s) => `${relative(DOMAIN, file)} imports ${s}`)),
    );
    expect(outward.flat()).toEqual([]);
  });

  it("would be caught importing the store's port, the parser or a package", () => {
    const file = join(DOMAIN, "events.ts");
    const source = [
      'import { z } from "zod";',
      'import { NotFound } from "../errors.ts";',
      'import { Stage } from "./stages.ts";',
      'import type { RecordedEvent } from "../eventstore/port.ts";',
      'export { LineItem } from "../parsing/purchaseOrderParser.ts";',
      'import {\n  randomUUID,\n} from "node:crypto";',
      'const lazy = await import("../system.ts");',
    ].join("\n");
    expect(outwardImports(file, source)).toEqual([
      "../eventstore/port.ts",
      "../parsing/purchaseOrderParser.ts",
      "node:crypto",
      "../system.ts",
    ]);
  });
});
