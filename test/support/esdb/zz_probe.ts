import { EventStoreDbEventStore } from "../../../src/eventstore/eventStoreDb.ts";
import { startEsdbTestServer } from "./server.ts";
import { randomUUID } from "node:crypto";
const server = await startEsdbTestServer({ batchAppend: true });
const ev = () => ({ id: randomUUID(), type: "T", data: {}, metadata: {} });
async function step(name: string, f: (s: EventStoreDbEventStore) => Promise<unknown>) {
  const store = EventStoreDbEventStore.connect(server.url);
  await f(store);
  const t = Date.now();
  await Promise.race([store.close(), new Promise((r) => setTimeout(r, 3000))]);
  console.log(name, "close took", Date.now() - t, (store.client as any).disposableStreams.size);
}
for (let i = 0; i < 3; i++) await step("append", (s) => s.appendToStream("b-1", [ev(), ev()]));
await step("readAllMax", (s) => s.readAll({ maxCount: 1 }));
await step("readBackMax", (s) => s.readStream("b-1", { direction: "backwards", maxCount: 1 }));
await step("readAllBig", async (s) => { for (let i = 0; i < 6; i++) await s.appendToStream("c-1", Array.from({ length: 100 }, ev)); await s.readAll(); });
await server.stop();
