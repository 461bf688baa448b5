/** Chassaing's decider: all of an aggregate's behaviour as pure functions. */
export type Decider<Command, Event, State> = {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState: State;
};

export const fold = <Event, State>(decider: Pick<Decider<never, Event, State>, "evolve" | "initialState">, events: Event[]) =>
  events.reduce(decider.evolve, decider.initialState);
