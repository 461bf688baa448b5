import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { DMMF } from "@prisma/client/runtime/client";

export type Datamodel = DMMF.Datamodel;

/**
 * The full data model (nullability, ids, native types, relation keys, indexes) that Prisma's own
 * schema parser derives from a schema. The generated Prisma 7 client only carries a slim runtime
 * data model (field names, kinds, types, dbNames), so this calls `get_dmmf` in the schema wasm the
 * `prisma` CLI package ships, as the CLI does. Its wasm-bindgen import names carry build hashes,
 * hence the matching by prefix.
 */
export async function loadDatamodel(schema: string): Promise<Datamodel> {
  const wasm = await instantiateSchemaWasm();
  const input = new TextEncoder().encode(JSON.stringify({ prismaSchema: schema }));
  const inputPtr = wasm.__wbindgen_malloc(input.length, 1) >>> 0;
  new Uint8Array(wasm.memory.buffer, inputPtr, input.length).set(input);
  const [outputPtr, outputLength, errorRef, failed] = wasm.get_dmmf(inputPtr, input.length);
  if (failed) {
    const error = wasm.__wbindgen_externrefs.get(errorRef);
    wasm.__externref_table_dealloc(errorRef);
    throw error;
  }
  const output = readString(wasm, outputPtr, outputLength);
  wasm.__wbindgen_free(outputPtr, outputLength, 1);
  return (JSON.parse(output) as { datamodel: Datamodel }).datamodel;
}

export const readSchemaFile = () => readFile(new URL("../../prisma/schema.prisma", import.meta.url), "utf8");

type SchemaWasm = {
  memory: WebAssembly.Memory;
  __wbindgen_externrefs: WebAssembly.Table;
  __wbindgen_malloc(length: number, align: number): number;
  __wbindgen_free(ptr: number, length: number, align: number): void;
  __externref_table_dealloc(index: number): void;
  __wbindgen_start(): void;
  get_dmmf(ptr: number, length: number): [number, number, number, number];
};

const readString = (wasm: SchemaWasm, ptr: number, length: number) =>
  new TextDecoder().decode(new Uint8Array(wasm.memory.buffer, ptr >>> 0, length >>> 0));

async function instantiateSchemaWasm(): Promise<SchemaWasm> {
  const prismaPackage = createRequire(import.meta.url).resolve("prisma/package.json");
  const module = new WebAssembly.Module(await readFile(join(dirname(prismaPackage), "build", "prisma_schema_build_bg.wasm")));
  let wasm: SchemaWasm | undefined;
  const instance = () => wasm!;
  const importsByPrefix: Record<string, (...args: number[]) => unknown> = {
    __wbg_set_message_: () => undefined,
    __wbg_Error_: (ptr, length) => new Error(readString(instance(), ptr!, length!)),
    __wbg___wbindgen_throw_: (ptr, length) => {
      throw new Error(readString(instance(), ptr!, length!));
    },
    __wbindgen_init_externref_table: () => {
      const table = instance().__wbindgen_externrefs;
      const offset = table.grow(4);
      table.set(0, undefined);
      [undefined, null, true, false].forEach((value, i) => table.set(offset + i, value));
    },
  };
  const imports: Record<string, Record<string, (...args: number[]) => unknown>> = {};
  for (const { module: namespace, name } of WebAssembly.Module.imports(module)) {
    const prefix = Object.keys(importsByPrefix).find((p) => name.startsWith(p));
    if (prefix === undefined) throw new Error(`Prisma's schema wasm wants an import this loader does not know: ${name}`);
    (imports[namespace] ??= {})[name] = importsByPrefix[prefix]!;
  }
  wasm = new WebAssembly.Instance(module, imports).exports as unknown as SchemaWasm;
  wasm.__wbindgen_start();
  return wasm;
}
