import { readdir, readFile } from "node:fs/promises";
import { describe, it } from "vitest";
import { z } from "zod";
import { DomainEvent } from "../src/domain/events.ts";
import { PipelineCommand } from "../src/processmanagers/commands.ts";
import { pipelineSpec } from "../src/testing/pipelineSpec.ts";

/** A scenario file: add one under test/fixtures/ and this test runs it, no code needed. */
const Scenario = z.object({
  scenario: z.string(),
  given: z.array(DomainEvent),
  search: z.object({ hits: z.array(z.string()).optional(), meanwhile: z.array(DomainEvent).optional() }).optional(),
  when: PipelineCommand,
  then: z.array(z.object({ type: z.string(), data: z.record(z.string(), z.unknown()).optional() })),
});

const directory = new URL("./fixtures/", import.meta.url);
const files = (await readdir(directory)).filter((name) => name.endsWith(".json")).sort();

describe("scenario fixtures (test/fixtures/*.json)", () => {
  it("has scenarios to run", () => {
    if (files.length === 0) throw new Error("no scenario files found in test/fixtures");
  });
  for (const file of files) {
    it(file, async () => {
      const scenario = Scenario.parse(JSON.parse(await readFile(new URL(file, directory), "utf8")));
      await pipelineSpec({ search: scenario.search }).given(scenario.given).when(scenario.when).then(scenario.then);
    });
  }
});
