import { InMemoryEventStore } from "../../src/eventstore/memory.ts";
import { eventStoreContract } from "./contract.ts";

eventStoreContract(
  "in-memory",
  async () => {
    const store = new InMemoryEventStore();
    return { store, dispose: () => store.close() };
  },
  { atomicMultiStreamAppend: true },
);
