import { createHash } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.ts";
import { CatalogFeedProvider } from "../../src/integrations/imageSearch/catalogFeed.ts";
import { SAMPLE_CATALOG } from "../../src/integrations/imageSearch/fromConfig.ts";
import { createSystem, type System } from "../../src/system.ts";
import { adminKey, merchantA, startTestSystem, testKeySecret, type TestSystem } from "../support/system.ts";

type KeyListing = { id: string; merchantId: string; prefix: string; revokedAt: string | null };

describe("merchants and their API keys, kept in the database", () => {
  let t: TestSystem;
  /** A second app process on the same database, as behind a load balancer. */
  let other: System;
  let otherUrl: string;
  const cli = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await runCli(args, { ADMIN_KEY: adminKey, PO_PIPELINE_URL: t.baseUrl }, (line) => lines.push(line));
    return { code, output: lines.join("\n") };
  };
  const json = (output: string) => JSON.parse(output.slice(0, output.lastIndexOf("}") + 1));
  const listAs = (baseUrl: string, key: string) => fetch(`${baseUrl}/purchase-orders`, { headers: { authorization: `Bearer ${key}` } });

  beforeAll(async () => {
    t = await startTestSystem();
    other = await createSystem({
      database: t.database,
      logger: pino({ level: "silent" }),
      apiKeys: [],
      keySecret: testKeySecret,
      adminKey,
      maxUploadBytes: 1024 * 1024,
      imageSearch: await CatalogFeedProvider.load(SAMPLE_CATALOG),
    });
    otherUrl = await other.app.listen({ port: 0, host: "127.0.0.1" });
  });
  afterAll(async () => {
    await other.stop();
    await t.stop();
  });

  it("creates a merchant and a key from the CLI; the key is printed once and works in every process", async () => {
    const created = await cli("merchants", "create", "north-wind", "--name", "North Wind Traders");
    expect(created.code).toBe(0);
    expect(json(created.output)).toMatchObject({ id: "north-wind", name: "North Wind Traders" });

    const issued = await cli("keys", "create", "north-wind", "--label", "shop back office");
    expect(issued.code).toBe(0);
    expect(issued.output).toMatch(/never shown again/);
    const { id, key, prefix } = json(issued.output) as { id: string; key: string; prefix: string };
    expect(key).toMatch(new RegExp(`^pok_${id}_`));
    expect(prefix).toBe(`pok_${id}_…`);

    const upload = await t.upload("po.csv", "SKU,Title,Qty\nNW-1,Lantern,3\n", { as: { key } });
    expect(upload.status).toBe(202);
    const listed = (await (await listAs(otherUrl, key)).json()) as { items: { id: string }[] };
    expect(listed.items.map((po) => po.id)).toEqual([((await upload.json()) as { id: string }).id]);

    const keys = await cli("keys", "list", "north-wind");
    expect(keys.output).not.toContain(key);
    expect(json(keys.output).keys).toEqual([expect.objectContaining({ id, merchantId: "north-wind", prefix, revokedAt: null })]);
  });

  it("stores no key material: neither the key nor a plain digest is in the database, and no event mentions keys", async () => {
    const answer = await t.api("/admin/merchants/north-wind/keys", { method: "POST", as: { key: adminKey } });
    expect(answer.status).toBe(201);
    const { key } = (await answer.json()) as { key: string };
    const secretPart = key.slice("pok_0123456789ab_".length);
    const rows = await t.database.prisma.apiKey.findMany();
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(secretPart);
    expect(JSON.stringify(rows)).not.toContain(createHash("sha256").update(key).digest("base64url"));
    const events = await t.database.prisma.storedEvent.findMany({ select: { data: true, metadata: true } });
    expect(JSON.stringify(events)).not.toMatch(/pok_|"hash"/);
  });

  it("refuses a revoked key at once, in this process and in the other", async () => {
    const { key, id } = json((await cli("keys", "create", "north-wind")).output) as { key: string; id: string };
    expect((await listAs(t.baseUrl, key)).status).toBe(200);
    expect((await listAs(otherUrl, key)).status).toBe(200);

    const revoked = await cli("keys", "revoke", id);
    expect(revoked.code).toBe(0);
    expect(json(revoked.output).revokedAt).toEqual(expect.any(String));

    for (const baseUrl of [t.baseUrl, otherUrl]) {
      const refused = await listAs(baseUrl, key);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ error: "unauthorized", message: "The merchant API key is not valid" });
    }
    const listing = (json((await cli("keys", "list")).output) as { keys: KeyListing[] }).keys.find((k) => k.id === id);
    expect(listing?.revokedAt).toEqual(expect.any(String));
  });

  it("keeps API_KEYS working beside the database's keys, and knows their merchants", async () => {
    expect((await listAs(t.baseUrl, merchantA.key)).status).toBe(200);
    const merchants = json((await cli("merchants", "list")).output).merchants as { id: string }[];
    expect(merchants.map((m) => m.id)).toEqual(expect.arrayContaining(["merchant-a", "merchant-b", "north-wind"]));
  });

  it("says what is wrong: a taken id, an unknown merchant or key, a malformed id, an unknown option", async () => {
    const taken = await cli("merchants", "create", "north-wind");
    expect(taken.code).toBe(1);
    expect(json(taken.output)).toEqual({ error: "conflict", message: "Merchant north-wind already exists" });
    expect(json((await cli("keys", "create", "nobody")).output)).toEqual({ error: "not_found", message: "Merchant nobody was not found" });
    expect(json((await cli("keys", "revoke", "0123456789ab")).output)).toEqual({
      error: "not_found",
      message: "API key 0123456789ab was not found",
    });
    const malformed = json((await cli("merchants", "create", "no spaces please")).output) as { message: string };
    expect(malformed.message).toMatch(/^Invalid body: body.id: must be 1 to 64 letters/);
    expect((await cli("keys", "revoke")).code).toBe(2);
    const unknownOption = await cli("merchants", "create", "x", "--colour", "red");
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.output).toMatch(/--colour/);
  });

  it("takes merchants and keys only with the admin key", async () => {
    const { key } = json((await cli("keys", "create", "north-wind")).output) as { key: string };
    for (const as of [{ key }, merchantA]) {
      expect((await t.api("/admin/keys", { as })).status).toBe(401);
      expect((await t.api("/admin/merchants", { method: "POST", as, body: JSON.stringify({ id: "sneaky" }) })).status).toBe(401);
    }
  });

  it("will not start a process whose key secret differs from the one the database's keys were hashed under", async () => {
    const started = createSystem({
      database: t.database,
      logger: pino({ level: "silent" }),
      apiKeys: [],
      keySecret: { value: Buffer.from("some-other-secret") },
      adminKey,
      maxUploadBytes: 1024,
      imageSearch: { name: "none", search: async () => [] },
    });
    await expect(started).rejects.toThrow(/hashed under another key secret: give every process the same API_KEY_SECRET/);
  });
});
