import type { Envelope, EventType } from "../domain/events.ts";
import type { PipelineCommand } from "./commands.ts";

/** A process manager is a pure reaction: an event in, the commands it calls for out. */
export type ProcessManager<Name extends string = string> = {
  name: Name;
  handles: readonly EventType[];
  react(envelope: Envelope): PipelineCommand[];
  /**
   * For commands whose effect is the same whichever event asked for them (open this PO's review):
   * their ids and stage-log entries derive from the subject, not the event, so asking again for
   * something already done writes nothing at all.
   */
  idempotentPerSubject?: boolean;
};
