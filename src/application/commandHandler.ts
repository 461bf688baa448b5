import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { ConcurrencyError } from "../errors.ts";
import type { Decider } from "../domain/decider.ts";
import { schemaVersionOf, type EventMetadata } from "../domain/metadata.ts";
import { decodeEvent } from "../eventlog/decodeEvent.ts";
import type { AppendResult, EventStore, EventToAppend, RecordedEvent, StreamAppend } from "../eventstore/port.ts";

export type CommandContext = Omit<EventMetadata, "schemaVersion"> & {
  /** Derive each new event's id (for processors); random ids otherwise. */
  eventId?: (index: number) => string;
};

export type HandledCommand<Event, State> = {
  events: Event[];
  state: State;
  nextExpectedRevision: bigint | undefined;
  /** Global position of the last event written (or of the stream's last event if none was). */
  position: bigint | undefined;
};

/** What a command handler needs of an aggregate: its decider, its events' schema and its stream's name. */
export type Aggregate<Command, Event, State> = {
  decider: Decider<Command, Event, State>;
  events: z.ZodType<Event>;
  stream(id: string): string;
};

export type CommandOptions<State> = { attempts?: number; alreadyLoaded?: Loaded<State> };

/**
 * An aggregate's command handler, built once: read the stream, fold it, decide, append with the
 * revision that was read. A concurrent writer makes the append fail; then the decision is taken
 * again on the fresh state, never on stale data.
 */
export function commandHandler<Command, Event extends { type: string; data: object }, State>(aggregate: Aggregate<Command, Event, State>) {
  const { decider } = aggregate;
  const load = async (store: EventStore, id: string): Promise<Loaded<State>> => {
    const recorded = await store.readStream(aggregate.stream(id));
    const state = recorded.map((r) => parseEvent(aggregate.events, r)).reduce(decider.evolve, decider.initialState);
    return { state, revision: recorded.at(-1)?.revision, position: recorded.at(-1)?.position };
  };
  /** A stream loaded earlier, brought up to date with only the events appended since. */
  const catchUp = async (store: EventStore, id: string, known: Loaded<State>): Promise<Loaded<State>> => {
    if (known.revision === undefined) return load(store, id);
    const recorded = await store.readStream(aggregate.stream(id), { fromRevision: known.revision + 1n });
    if (recorded.length === 0) return known;
    const state = recorded.map((r) => parseEvent(aggregate.events, r)).reduce(decider.evolve, known.state);
    return { state, revision: recorded.at(-1)!.revision, position: recorded.at(-1)!.position };
  };
  return {
    aggregate,
    load,
    catchUp,
    /** Appends made by processors with the stage log: the decision's events as an append, nothing written yet. */
    appendsFor(id: string, command: Command, loaded: Loaded<State>, context: CommandContext): StreamAppend[] {
      return this.decisionFor(id, command, loaded, context).appends;
    },
    /** The same, and the stream as it will be once they are appended: the state a cache of states keeps. */
    decisionFor(id: string, command: Command, loaded: Loaded<State>, context: CommandContext) {
      const events = decider.decide(command, loaded.state);
      const appends: StreamAppend[] =
        events.length === 0
          ? []
          : [
              {
                streamName: aggregate.stream(id),
                expectedRevision: loaded.revision ?? "no_stream",
                events: eventsToAppend(events, context),
              },
            ];
      const after = (result: AppendResult): Loaded<State> => ({
        state: events.reduce(decider.evolve, loaded.state),
        revision: result.nextExpectedRevision,
        position: result.position,
      });
      return { appends, after };
    },
    async handle(
      store: EventStore,
      id: string,
      command: Command,
      /** A function when the metadata depends on the state, e.g. the PO a draft belongs to. */
      context: CommandContext | ((state: State) => CommandContext),
      options: CommandOptions<State> = {},
    ): Promise<HandledCommand<Event, State>> {
      let loaded = options.alreadyLoaded;
      for (let attempt = 1; ; attempt++) {
        const { state, revision, position } = loaded ?? (await load(store, id));
        loaded = undefined;
        const events = decider.decide(command, state);
        if (events.length === 0) return { events, state, nextExpectedRevision: revision, position };
        try {
          const result = await store.appendToStream(
            aggregate.stream(id),
            eventsToAppend(events, typeof context === "function" ? context(state) : context),
            {
              expectedRevision: revision ?? "no_stream",
            },
          );
          return { events, state: events.reduce(decider.evolve, state), ...result };
        } catch (error) {
          if (!(error instanceof ConcurrencyError) || attempt >= (options.attempts ?? 5)) throw error;
        }
      }
    },
  };
}

/** A stream folded into its decider's state, with the revision that guards the next append. */
export type Loaded<State> = { state: State; revision: bigint | undefined; position: bigint | undefined };

/** Domain events as the store takes them: with ids and the brief's metadata. */
export function eventsToAppend(events: { type: string; data: object }[], context: CommandContext): EventToAppend[] {
  const { eventId, ...metadata } = context;
  return events.map((event, index) => ({
    id: eventId ? eventId(index) : randomUUID(),
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: { ...metadata, schemaVersion: schemaVersionOf(event.type) },
  }));
}

export function parseEvent<Event>(schema: z.ZodType<Event>, recorded: RecordedEvent): Event {
  return decodeEvent(recorded, schema).event;
}

/** A decision on one stream as the append that records it, under the revision it was taken on. */
