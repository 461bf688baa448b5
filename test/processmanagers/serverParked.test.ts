import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli.ts";
import { EventStoreDbEventStore } from "../../src/eventstore/eventStoreDb.ts";
import { PersistentSubscriptions } from "../../src/eventstore/persistentSubscriptions.ts";
import { startEsdbTestServer } from "../support/esdb/server.ts";
import { adminKey, startTestSystem, type TestSystem } from "../support/system.ts";

type Status = { processors: { name: string; consumerGroup?: { group: string; connections: number; parkedOnServer: number } }[] };

describe("processors on EventStoreDB persistent subscriptions (gRPC test server)", () => {
  let server: Awaited<ReturnType<typeof startEsdbTestServer>>;
  let t: TestSystem;
  let groups: PersistentSubscriptions;
  const cli = async (...args: string[]) => {
    const lines: string[] = [];
    const code = await runCli(args, { ADMIN_KEY: adminKey, PO_PIPELINE_URL: t.baseUrl }, (line) => lines.push(line));
    return { code, output: lines.join("\n") };
  };
  const imageSearchGroup = async () =>
    (JSON.parse((await cli("processors", "status")).output) as Status).processors.find((p) => p.name === "image-search")!.consumerGroup!;

  beforeAll(async () => {
    server = await startEsdbTestServer({ batchAppend: true });
    const store = EventStoreDbEventStore.connect(server.url);
    groups = new PersistentSubscriptions(store.client);
    t = await startTestSystem({ eventLog: { store, groups } });
  });
  afterAll(async () => {
    await t.stop();
    await server.stop();
  });

  it("shows each processor's consumer group, and replays what the server parked", async () => {
    expect(await imageSearchGroup()).toMatchObject({ group: "po-pipeline.image-search", connections: 1, parkedOnServer: 0 });
    expect((await cli("processors", "pause", "image-search")).code).toBe(0);

    // Another member of the group takes the PO's DraftsCreated and parks it, as a worker would a poison message.
    const otherWorker = EventStoreDbEventStore.connect(server.url);
    const rogue = new PersistentSubscriptions(otherWorker.client).subscribe("po-pipeline.image-search", { bufferSize: 10 });
    const upload = await t.upload("acme-outdoor.csv", await readFile("samples/acme-outdoor.csv"));
    const { id } = (await upload.json()) as { id: string };
    for await (const message of rogue) {
      if (message.event.type !== "DraftsCreated") continue;
      await message.nack("park", "parked by the test");
      break;
    }
    await rogue.close();
    await otherWorker.close();
    expect((await cli("processors", "resume", "image-search")).code).toBe(0);
    await t.eventually<{ drafts: unknown[] }>(`/purchase-orders/${id}`, (po) => po.drafts.length === 8);
    expect((await imageSearchGroup()).parkedOnServer).toBe(1);
    expect(((await (await t.api(`/purchase-orders/${id}`)).json()) as { status: string }).status).toBe("images_pending");

    const replay = await cli("processors", "replay-parked", "image-search");
    expect(replay.code).toBe(0);
    await t.eventually<{ status: string }>(`/purchase-orders/${id}`, (po) => po.status === "complete");
    expect((await imageSearchGroup()).parkedOnServer).toBe(0);
  }, 60_000);
});
