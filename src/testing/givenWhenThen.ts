import { deepStrictEqual, fail } from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { fold, type Decider } from "../domain/decider.ts";
import type { DomainEvent, Envelope } from "../domain/events.ts";
import { schemaVersionOf, type EventMetadata } from "../domain/metadata.ts";
import type { PipelineCommand } from "../processmanagers/commands.ts";
import { react, type ProcessManager } from "../processmanagers/processManager.ts";

type ErrorClass = abstract new (...args: never[]) => Error;

/** What a `when` settles to: the events/commands it produced, or the error it threw. */
function outcomeOf<T>(run: () => T[]): { produced: T[] } | { error: unknown } {
  try {
    return { produced: run() };
  } catch (error) {
    return { error };
  }
}

function expectation<T>(run: () => T[]) {
  return {
    then(expected: T[]) {
      const outcome = outcomeOf(run);
      if ("error" in outcome) fail(`expected ${JSON.stringify(expected)} but it threw ${String(outcome.error)}`);
      deepStrictEqual(outcome.produced, expected);
    },
    thenThrows(errorClass: ErrorClass, message?: string | RegExp) {
      const outcome = outcomeOf(run);
      if (!("error" in outcome)) fail(`expected ${errorClass.name} but it produced ${JSON.stringify(outcome.produced)}`);
      if (!(outcome.error instanceof errorClass)) fail(`expected ${errorClass.name} but it threw ${String(outcome.error)}`);
      const text = (outcome.error as Error).message;
      if (typeof message === "string" && !text.includes(message)) fail(`expected a message containing "${message}", got "${text}"`);
      if (message instanceof RegExp && !message.test(text)) fail(`expected a message matching ${message}, got "${text}"`);
    },
  };
}

/** given(past events).when(command).then(new events) | .thenThrows(ErrorClass) */
export const deciderSpec = <Command, Event, State>(decider: Decider<Command, Event, State>) => ({
  given: (history: Event[]) => ({
    when: (command: Command) => expectation(() => decider.decide(command, fold(decider, history))),
  }),
});

export const testMetadata = (overrides: Partial<EventMetadata> = {}): EventMetadata => ({
  merchantId: "merchant-a",
  correlationId: "00000000-0000-4000-8000-000000000001",
  causationId: "cause",
  actor: "merchant:merchant-a",
  schemaVersion: 1,
  ...overrides,
});

let nextPosition = 0n;
/** Wraps a domain event as if it had been read from the log. */
export function envelope<E extends DomainEvent>(event: E, metadata: Partial<EventMetadata> = {}): Envelope<E> {
  nextPosition += 1n;
  return {
    event,
    metadata: testMetadata({ schemaVersion: schemaVersionOf(event.type), ...metadata }),
    id: randomUUID(),
    streamName: "test-stream",
    revision: 0n,
    position: nextPosition,
    created: new Date(0),
  };
}

/** when(event).then(commands) for a process manager's pure reaction (it needs no past events). */
export const processManagerSpec = (pm: ProcessManager) => ({
  when: (event: DomainEvent, metadata: Partial<EventMetadata> = {}) =>
    expectation<PipelineCommand>(() => react(pm, envelope(event, metadata))),
});
