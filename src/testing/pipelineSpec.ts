import { fail } from "node:assert/strict";
import { DraftStates } from "../application/draftStates.ts";
import { isDeepStrictEqual } from "node:util";
import { pino } from "pino";
import { pipelineHandlers } from "../application/pipelineHandlers.ts";
import { DomainEvent } from "../domain/events.ts";
import { CURRENT_SCHEMA_VERSION } from "../domain/metadata.ts";
import { streamOf } from "../domain/streams.ts";
import { InMemoryEventStore } from "../eventstore/memory.ts";
import type { StreamAppend } from "../eventstore/port.ts";
import type { FileStore } from "../files/fileStore.ts";
import type { ImageHit, ImageQuery, ImageSearchProvider } from "../integrations/imageSearch/provider.ts";
import { PipelineCommand } from "../processmanagers/commands.ts";
import { executeWithStageLog, type RetrySettings } from "../processmanagers/stageExecution.ts";
import { VirtualClock } from "./virtualClock.ts";

/** How the image search behaves in a scenario: what it finds, what it throws, what lands meanwhile. */
export type SearchScript = { hits?: string[]; failures?: Error[]; meanwhile?: DomainEvent[] };

export type Expected = { type: string; data?: Record<string, unknown> };

const CAUSE_ID = "00000000-0000-4000-8000-00000000cafe";
const noFiles: FileStore = {
  put: () => Promise.reject(new Error("no file store in this spec")),
  get: async () => undefined,
};

class ScriptedSearch implements ImageSearchProvider {
  readonly name = "scripted";
  constructor(
    private readonly script: SearchScript,
    private readonly during: (events: DomainEvent[]) => Promise<void>,
  ) {}
  async search(_query: ImageQuery): Promise<ImageHit[]> {
    const failure = this.script.failures?.shift();
    if (failure) throw failure;
    await this.during(this.script.meanwhile?.splice(0) ?? []);
    return (this.script.hits ?? []).map((url) => ({ url }));
  }
}

/** `expected` holds for `actual` if every key it names matches, recursively; other keys are free. */
export function matchesPartially(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, i) => matchesPartially(actual[i], item));
  }
  if (expected === null || typeof expected !== "object") return isDeepStrictEqual(actual, expected);
  if (actual === null || typeof actual !== "object") return false;
  return Object.entries(expected).every(([key, value]) => matchesPartially((actual as Record<string, unknown>)[key], value));
}

/**
 * given(past events).when(pipeline command).then(events it appends), for the command handlers
 * behind process managers, run with their stage log and retries on an in-memory store and a
 * virtual clock. `search` scripts the image search, including events that land during it.
 */
export function pipelineSpec(options: { search?: SearchScript; retry?: Partial<RetrySettings> } = {}) {
  return {
    given(history: DomainEvent[]) {
      return {
        when(command: PipelineCommand) {
          const run = async () => {
            const store = new InMemoryEventStore();
            const clock = new VirtualClock();
            const append = async (events: DomainEvent[]) => {
              for (const event of DomainEvent.array().parse(events)) {
                const metadata = {
                  merchantId: command.merchantId,
                  correlationId: command.purchaseOrderId,
                  causationId: "given",
                  actor: "system:spec",
                  schemaVersion: CURRENT_SCHEMA_VERSION,
                };
                await store.appendToStream(streamOf(event), [{ id: crypto.randomUUID(), type: event.type, data: event.data, metadata }]);
              }
            };
            await append(history);
            const before = (await store.readAll()).length;
            // Copied per run (not cloned: a cloned Error loses its class and retryAfterMs).
            const script = {
              ...options.search,
              failures: [...(options.search?.failures ?? [])],
              meanwhile: [...(options.search?.meanwhile ?? [])],
            };
            const imageSearch = new ScriptedSearch(script, append);
            const handlers = pipelineHandlers({ store, clock, files: noFiles, imageSearch, drafts: new DraftStates(store) });
            const settings = { maxAttempts: 3, retryBaseDelayMs: 100, maxRetryDelayMs: 10_000, ...options.retry };
            // Each append the command made, as the types of the events it wrote together.
            const appends: string[][] = [];
            const commit = async (streams: StreamAppend[]) => {
              const results = await store.appendToStreams(streams);
              appends.push(streams.flatMap((s) => s.events.map((e) => e.type)));
              return results;
            };
            const result = await executeWithStageLog(
              { store, handlers, logger: pino({ level: "silent" }), clock, append: commit },
              settings,
              {
                processor: "spec",
                causeId: CAUSE_ID,
                command: PipelineCommand.parse(command),
              },
            );
            const produced = (await store.readAll()).slice(before).map((e) => ({ type: e.type, data: e.data }));
            return { produced, appends, result, clock };
          };
          return {
            /** The appended events, in order; each expected entry may name only some of the data. */
            async then(expected: Expected[]) {
              const { produced } = await run();
              const ok = produced.length === expected.length && expected.every((e, i) => matchesPartially(produced[i], e));
              if (!ok) fail(`expected events ${JSON.stringify(expected, null, 1)}\nbut got ${JSON.stringify(produced, null, 1)}`);
            },
            /** The whole outcome, for assertions the event list cannot express (sleeps, parking, what was appended together). */
            outcome: run,
          };
        },
      };
    },
  };
}
