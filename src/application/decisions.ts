import { ConcurrencyError } from "../errors.ts";
import type { StreamAppend } from "../eventstore/port.ts";
import type { Append, StageDecision, StageOutcome } from "./handlerTypes.ts";

const CONFLICT_ATTEMPTS = 5;

const outcomeOf = ({ appends: _appends, decideAgain: _decideAgain, committed: _committed, ...outcome }: StageDecision): StageOutcome =>
  outcome;

/**
 * Appends a decision and, in the same append, what `alongside` adds for its outcome (the stage's log
 * entries). When another writer got in first, the decision is taken again on fresh state, so it is
 * never written on stale data: a draft deleted meanwhile turns the stage into a skip.
 */
export async function commitDecision(
  append: Append,
  decision: StageDecision,
  alongside: (outcome: StageOutcome, decision: StageDecision) => StreamAppend[] = () => [],
): Promise<StageOutcome> {
  for (let attempt = 1; ; attempt++) {
    const outcome = outcomeOf(decision);
    const appends = [...(decision.appends ?? []), ...alongside(outcome, decision)];
    try {
      if (appends.length > 0) {
        const results = await append(appends);
        decision.committed?.(results);
      }
      return outcome;
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || !decision.decideAgain || attempt >= CONFLICT_ATTEMPTS) throw error;
      decision = await decision.decideAgain();
    }
  }
}
