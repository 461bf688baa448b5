import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Prisma } from "../../src/generated/prisma/client.ts";
import { createTestDatabase } from "../support/database.ts";
import { loadDatamodel, readSchemaFile, type Datamodel } from "./prismaDatamodel.ts";
import { describeDatabase, schemaDifferences } from "./schemaDifferences.ts";

describe("the migrated database", () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let datamodel: Datamodel;
  let actual: string[];
  beforeAll(async () => {
    database = await createTestDatabase();
    datamodel = await loadDatamodel(await readSchemaFile());
    actual = await describeDatabase((sql) => database.prisma.$queryRawUnsafe(sql));
  });
  afterAll(() => database.close());

  it("matches schema.prisma: tables, columns, keys, indexes and foreign keys, nothing missing and nothing more", () => {
    expect(schemaDifferences(datamodel, actual)).toEqual([]);
    expect(actual).toContain(
      "foreign key ProductImage.ProductImage_draftId_fkey (draftId) references ProductDraft (id) on delete Cascade on update Cascade",
    );
  });

  it("was checked against the schema the Prisma client was generated from", () => {
    expect(datamodel.models.map((m) => m.name)).toEqual(Object.values(Prisma.ModelName));
    for (const model of datamodel.models) {
      const generated = (Prisma as unknown as Record<string, Record<string, string>>)[`${model.name}ScalarFieldEnum`];
      const scalars = model.fields.filter((f) => f.kind === "scalar").map((f) => f.name);
      expect(Object.values(generated ?? {}), model.name).toEqual(scalars);
    }
  });

  it("would be reported as out of date by a schema change without a migration", () => {
    const withChange = (change: (model: Datamodel["models"][number]) => Datamodel["models"][number]): Datamodel => ({
      ...datamodel,
      models: datamodel.models.map((m) => (m.name === "PurchaseOrder" ? change(m) : m)),
    });
    const sizeBytes = datamodel.models.find((m) => m.name === "PurchaseOrder")!.fields.find((f) => f.name === "sizeBytes")!;
    const withNewField = withChange((m) => ({ ...m, fields: [...m.fields, { ...sizeBytes, name: "pageCount", isRequired: false }] }));
    expect(schemaDifferences(withNewField, actual)).toEqual(["missing: column PurchaseOrder.pageCount integer"]);
    const withOptionalField = withChange((m) => ({
      ...m,
      fields: m.fields.map((f) => (f === sizeBytes ? { ...f, isRequired: false } : f)),
    }));
    expect(schemaDifferences(withOptionalField, actual)).toEqual([
      "missing: column PurchaseOrder.sizeBytes integer",
      "unexpected: column PurchaseOrder.sizeBytes integer not null",
    ]);
    const withoutModel: Datamodel = {
      ...datamodel,
      models: datamodel.models.filter((m) => m.name !== "ProcessorControl"),
      indexes: datamodel.indexes.filter((i) => i.model !== "ProcessorControl"),
    };
    expect(schemaDifferences(withoutModel, actual)).toContain("unexpected: table ProcessorControl");
  });
});
